"""The notebooks in notebooks/ run top to bottom on the sample estate, and their numbers are the dashboard's.

Each notebook ends its sections with a cell tagged `key-numbers` whose value is a plain dict; the tests read
those outputs from the executed notebook and compare them with the named views the dashboard reads.
"""

from __future__ import annotations

import ast
import csv
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
SAMPLE = Path(__file__).parent.parent / "sample_data"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def test_the_three_notebooks_are_there() -> None:
    assert NAMES == ["01_walkthrough.ipynb", "02_analyst.ipynb", "03_remediation.ipynb"]


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_carries_no_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    dirty = [i for i, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert dirty == [], f"{name}: cells {dirty} carry outputs; clear them before committing"


def execute(name: str, env: dict[str, str], tmp_path: Path) -> list[dict[str, Any]]:
    """Run a copy of the notebook in notebooks/ (its relative paths hold) and return its key-number dicts."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    nbformat.write(notebook, tmp_path / name)  # kept for a look when a test fails
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    keys = []
    for cell in notebook.cells:
        if "key-numbers" in cell.metadata.get("tags", []):
            result = next(o for o in cell.outputs if o.output_type == "execute_result")
            keys.append(ast.literal_eval(result["data"]["text/plain"]))
    assert keys, f"{name} has no key-numbers cell"
    return keys


def outputs_of_type(path: Path, mime: str) -> int:
    notebook = nbformat.read(path, as_version=4)
    return sum(mime in o.get("data", {}) for c in notebook.cells if c.cell_type == "code" for o in c.outputs)


@pytest.fixture
def db(sample_db: Path, tmp_path: Path) -> Path:
    """A private copy of the sample database with its history: the walk-through re-runs into it."""
    copy = tmp_path / "estate.duckdb"
    shutil.copyfile(sample_db, copy)
    return copy


def views(db: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def test_walkthrough_runs_the_pipeline_and_explains_a_blocked_system(db: Path, tmp_path: Path) -> None:
    verdict_counts, system = execute("01_walkthrough.ipynb", {"MCP_CLEARANCE_DB": str(db),
                                                              "MCP_CLEARANCE_ESTATE": str(SAMPLE)}, tmp_path)
    s = views(db, "SELECT systems, cleared, read_only, blocked, insufficient_evidence FROM estate_summary")[0]
    assert verdict_counts == {"systems": s[0], "CLEARED": s[1], "READ_ONLY": s[2], "BLOCKED": s[3],
                              "insufficient_evidence": s[4]}
    runs = views(db, "SELECT count(*), count(DISTINCT as_of) FROM runs")[0]
    assert runs[0] == runs[1] == 9, "re-running the current date replaces its snapshot"
    failing = views(db, "SELECT failing_checks FROM verdicts WHERE system_id = ?", system["system_id"])[0][0]
    assert system["failing_checks"] == sorted(failing) and failing
    path = views(db, "SELECT count(*), any_value(next_stage) FROM path_to_clearance WHERE system_id = ?",
                 system["system_id"])[0]
    assert (system["path_steps"], system["next_stage"]) == path
    assert outputs_of_type(tmp_path / "01_walkthrough.ipynb", "text/html") >= 3  # estate summary, tables
    assert outputs_of_type(tmp_path / "01_walkthrough.ipynb", "application/vnd.plotly.v1+json") == 1


def test_analyst_numbers_equal_the_dashboard_views(db: Path, tmp_path: Path) -> None:
    (numbers,) = execute("02_analyst.ipynb", {"MCP_CLEARANCE_DB": str(db)}, tmp_path)
    tier1 = views(db, "SELECT count(*), count(*) FILTER (WHERE verdict = 'CLEARED') FROM verdicts WHERE tier = 1")[0]
    assert (numbers["tier_1_systems"], numbers["tier_1_cleared"]) == tier1
    assert numbers["credentials_over_limit"] == views(
        db, "SELECT count(*) FROM credential_lifetimes WHERE exceeds_tier_limit")[0][0] > 0
    assert numbers["agents_missing_delegated_user"] == views(
        db, "SELECT count(*) FROM delegation_chain_coverage WHERE user_share < 1")[0][0] > 0
    gate_fails = dict(views(db, "SELECT gate, count(*) FROM gate_matrix WHERE status = 'FAIL' GROUP BY 1"))
    assert numbers["gate_failures"] == gate_fails and set(gate_fails) == {"identity", "scope", "audit"}


def test_remediation_numbers_equal_the_dashboard_views_and_the_export_is_complete(db: Path, tmp_path: Path) -> None:
    export = tmp_path / "open_findings.csv"
    (numbers,) = execute("03_remediation.ipynb", {"MCP_CLEARANCE_DB": str(db), "MCP_CLEARANCE_EXPORT": str(export)},
                         tmp_path)
    open_, overdue = views(db, "SELECT count(*), count(*) FILTER (WHERE overdue) FROM findings "
                               "WHERE status = 'FAIL' AND NOT suppressed")[0]
    assert (numbers["open_findings"], numbers["overdue"]) == (open_, overdue)
    assert numbers["burn_down_latest"] == views(
        db, "SELECT sum(open_findings) FROM burn_down_per_team WHERE as_of = (SELECT max(as_of) FROM runs)")[0][0]
    assert numbers["deltas"] == dict(views(db, "SELECT delta, count(*) FROM finding_deltas GROUP BY 1"))
    assert {"new", "resolved", "incomparable"} <= set(numbers["deltas"])
    assert numbers["expiring_30d"] == views(db, "SELECT exceptions_expiring_30d FROM estate_summary")[0][0]
    assert numbers["flagged_exceptions"] == views(
        db, "SELECT count(*) FROM exceptions_audit WHERE state IN ('expired', 'unused', 'invalid')")[0][0]
    with export.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == open_
    ids = {r["finding_id"] for r in rows}
    assert ids == {i for (i,) in views(db, "SELECT finding_id FROM findings WHERE status = 'FAIL' AND NOT suppressed")}
    assert all(r["owner"] and r["due"] for r in rows)
