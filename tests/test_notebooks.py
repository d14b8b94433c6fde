"""The notebooks in notebooks/ run top to bottom on the sample estate, and their numbers are the dashboard's.

Each notebook ends its sections with a cell tagged `key-numbers` whose value is a plain dict; the tests read
those outputs and compare them with the named views the dashboard reads: once for the outputs stored in the
repository (what GitHub shows; `python notebooks/execute.py` refreshes them) and once for a fresh execution.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import importlib.util
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import nbformat
import pytest

from mcp_clearance.sample_estate import planted_secrets

ROOT = Path(__file__).parent.parent
NOTEBOOKS = ROOT / "notebooks"
SAMPLE = ROOT / "sample_data"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
PLOTLY = "application/vnd.plotly.v1+json"
# well-known literal token shapes: GitHub, AWS access key id, Slack, OpenAI-style keys, JWTs, private keys
TOKEN_SHAPES = re.compile(r"gh[pousr]_[A-Za-z0-9]{36}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}"
                          r"|sk-[A-Za-z0-9_-]{20,}|eyJ[A-Za-z0-9_-]{10,}\.eyJ|-----BEGIN [A-Z ]*PRIVATE KEY")
REFRESH = "re-execute them: .venv/bin/python notebooks/execute.py"

_spec = importlib.util.spec_from_file_location("notebook_execution", NOTEBOOKS / "execute.py")
execution = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execution)


def test_the_three_notebooks_are_there() -> None:
    assert NAMES == ["01_walkthrough.ipynb", "02_analyst.ipynb", "03_remediation.ipynb"]


def outputs(notebook: nbformat.NotebookNode) -> list[dict[str, Any]]:
    return [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]


def key_numbers(notebook: nbformat.NotebookNode) -> list[dict[str, Any]]:
    keys = []
    for cell in notebook.cells:
        if "key-numbers" in cell.metadata.get("tags", []):
            result = next(o for o in cell.outputs if o.output_type == "execute_result")
            keys.append(ast.literal_eval(result["data"]["text/plain"]))
    return keys


def texts(notebook: nbformat.NotebookNode) -> list[str]:
    """Every text a reader sees in the outputs (images left out: they are pixels)."""
    found = []
    for output in outputs(notebook):
        found.append(output.get("text", ""))
        found += [v for k, v in output.get("data", {}).items() if k in ("text/plain", "text/html")]
        found += [output.get("evalue", "")]
    return [t for t in found if t]


def views(db: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def expect_walkthrough(keys: list[dict[str, Any]], db: Path) -> None:
    verdict_counts, system = keys
    s = views(db, "SELECT systems, cleared, read_only, blocked, insufficient_evidence FROM estate_summary")[0]
    assert verdict_counts == {"systems": s[0], "CLEARED": s[1], "READ_ONLY": s[2], "BLOCKED": s[3],
                              "insufficient_evidence": s[4]}
    failing = views(db, "SELECT failing_checks FROM verdicts WHERE system_id = ?", system["system_id"])[0][0]
    assert system["failing_checks"] == sorted(failing) and failing
    path = views(db, "SELECT count(*), any_value(next_stage) FROM path_to_clearance WHERE system_id = ?",
                 system["system_id"])[0]
    assert (system["path_steps"], system["next_stage"]) == path


def expect_analyst(keys: list[dict[str, Any]], db: Path) -> None:
    (numbers,) = keys
    tier1 = views(db, "SELECT count(*), count(*) FILTER (WHERE verdict = 'CLEARED') FROM verdicts WHERE tier = 1")[0]
    assert (numbers["tier_1_systems"], numbers["tier_1_cleared"]) == tier1
    assert numbers["credentials_over_limit"] == views(
        db, "SELECT count(*) FROM credential_lifetimes WHERE exceeds_tier_limit")[0][0] > 0
    assert numbers["agents_missing_delegated_user"] == views(
        db, "SELECT count(*) FROM delegation_chain_coverage WHERE user_share < 1")[0][0] > 0
    gate_fails = dict(views(db, "SELECT gate, count(*) FROM gate_matrix WHERE status = 'FAIL' GROUP BY 1"))
    assert numbers["gate_failures"] == gate_fails and set(gate_fails) == {"identity", "scope", "audit"}


def expect_remediation(keys: list[dict[str, Any]], db: Path) -> None:
    (numbers,) = keys
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


EXPECTED = {"01_walkthrough.ipynb": expect_walkthrough, "02_analyst.ipynb": expect_analyst,
            "03_remediation.ipynb": expect_remediation}
CHARTS = {"01_walkthrough.ipynb": 1, "02_analyst.ipynb": 1, "03_remediation.ipynb": 1}


def expect_readable_outputs(notebook: nbformat.NotebookNode, name: str) -> None:
    """What a reader of the notebook sees: every chart also as a PNG, tables with labels, nothing of a machine."""
    assert [o for o in outputs(notebook) if o.output_type == "error"] == []
    charts = [o for o in outputs(notebook) if PLOTLY in o.get("data", {})]
    assert len(charts) == CHARTS[name]
    assert all("image/png" in o["data"] and "text/html" not in o["data"] for o in charts), \
        "every chart carries a static image that GitHub shows"
    tables = [o["data"]["text/html"] for o in outputs(notebook) if "text/html" in o.get("data", {})]
    assert len(tables) >= 3
    for table in tables:
        headers = re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)
        assert not [h for h in headers if "_" in h], f"{name}: a raw column name in {headers}"
        values = {re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)}
        assert not {"None", "nan", "NaN", "NaT", "<NA>"} & values
        assert not re.search(r"\b[0-9a-f]{32}\b", table), "no md5-like ids"
        assert not re.search(r"\d\.\d{3,}", table), "no long fractions"
    everything = nbformat.writes(notebook)
    assert not [s for s in planted_secrets() if s in everything], f"{name}: a secret planted in the sample estate"
    for text in texts(notebook):
        for machine in ("/tmp/", str(ROOT), str(Path.home()) + "/", "mcp-clearance-notebooks-", "pytest-of-"):
            assert machine not in text, f"{name}: an output names {machine!r}"
        assert not TOKEN_SHAPES.search(text), f"{name}: an output holds a token-shaped value"


@pytest.mark.parametrize("name", NAMES)
def test_stored_outputs_are_current_readable_and_carry_nothing_of_this_machine(name: str, sample_db: Path) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), \
        f"{name}: its stored outputs are not from one run top to bottom; {REFRESH}"
    expect_readable_outputs(notebook, name)
    keys = key_numbers(notebook)
    assert keys, f"{name} has no key-numbers cell"
    try:
        EXPECTED[name](keys, sample_db)
    except AssertionError as exc:
        raise AssertionError(f"{name}: the stored numbers are not the sample estate's any more; {REFRESH}") from exc


def execute(name: str, env: dict[str, str], tmp_path: Path) -> nbformat.NotebookNode:
    notebook = execution.execute(NOTEBOOKS / name, env)
    nbformat.write(notebook, tmp_path / name)  # kept for a look when a test fails
    expect_readable_outputs(notebook, name)
    return notebook


@pytest.fixture
def db(sample_db: Path, tmp_path: Path) -> Path:
    """A private copy of the sample database with its history, standing in for the shared estate.duckdb."""
    copy = tmp_path / "estate.duckdb"
    shutil.copyfile(sample_db, copy)
    return copy


def test_walkthrough_runs_the_pipeline_on_its_own_copy_and_explains_a_blocked_system(db: Path, tmp_path: Path) -> None:
    shared_before = hashlib.sha256(db.read_bytes()).hexdigest()
    own = tmp_path / "walkthrough.duckdb"
    notebook = execute("01_walkthrough.ipynb", {"MCP_CLEARANCE_DB": str(db), "MCP_CLEARANCE_ESTATE": str(SAMPLE),
                                                "MCP_CLEARANCE_WALKTHROUGH_DB": str(own)}, tmp_path)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == shared_before, "the shared database is only read"
    runs = views(own, "SELECT count(*), count(DISTINCT as_of) FROM runs")[0]
    assert runs[0] == runs[1] == 9, "the copy carries the shared history; re-running a date replaces its snapshot"
    expect_walkthrough(key_numbers(notebook), own)


def test_analyst_numbers_equal_the_dashboard_views(db: Path, tmp_path: Path) -> None:
    notebook = execute("02_analyst.ipynb", {"MCP_CLEARANCE_DB": str(db)}, tmp_path)
    expect_analyst(key_numbers(notebook), db)


def test_remediation_numbers_equal_the_dashboard_views_and_the_export_is_complete(db: Path, tmp_path: Path) -> None:
    export = tmp_path / "open_findings.csv"
    notebook = execute("03_remediation.ipynb", {"MCP_CLEARANCE_DB": str(db), "MCP_CLEARANCE_EXPORT": str(export)},
                       tmp_path)
    expect_remediation(key_numbers(notebook), db)
    open_ = views(db, "SELECT count(*) FROM findings WHERE status = 'FAIL' AND NOT suppressed")[0][0]
    with export.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == open_
    ids = {r["finding_id"] for r in rows}
    assert ids == {i for (i,) in views(db, "SELECT finding_id FROM findings WHERE status = 'FAIL' AND NOT suppressed")}
    assert all(r["owner"] and r["due"] for r in rows)
