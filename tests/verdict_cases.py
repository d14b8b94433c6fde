"""Small estates built from compact specs, for the check fixtures and the verdict-rule fixtures.

A case changes the base estate of tests/fixtures/checks/_base.yaml (one tier-3 system "shop" that
clears): `system` is merged into the shop system, `agents` / `connectors` replace those inventory
lists, `policy` is policy.yaml, `exceptions` is the list in exceptions.yaml, and `rows` replaces
a table's rows (each row is the table default plus the given columns; `repeat: N` makes N copies).
The inventory, policy and exceptions go through the real loader; the evidence rows go into the
tables the pipelines fill (pipelines/schema.sql); then the real evaluation runs.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import yaml

from mcp_clearance.evaluate import evaluate
from mcp_clearance.pipelines import inventory
from mcp_clearance.pipelines.base import LoadContext
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import create_schema

FIXTURES = Path(__file__).parent / "fixtures"
BASE = yaml.safe_load((FIXTURES / "checks" / "_base.yaml").read_text())


def build_estate(tmp_path: Path, case: dict[str, Any], checks_dir: Path | None = None,
                 *, strict_inputs: bool = True) -> duckdb.DuckDBPyConnection:
    """The base estate changed as the case says, loaded and evaluated."""
    estate = tmp_path / "estate"
    estate.mkdir()
    inv = copy.deepcopy(BASE["inventory"])
    inv["systems"][0].update(case.get("system", {}))
    for key in ("agents", "connectors"):
        if key in case:
            inv[key] = case[key]
    (estate / "inventory.yaml").write_text(yaml.safe_dump(inv))
    if "policy" in case:
        (estate / "policy.yaml").write_text(yaml.safe_dump(case["policy"]))
    if "exceptions" in case:
        (estate / "exceptions.yaml").write_text(yaml.safe_dump({"exceptions": case["exceptions"]}))
    con = duckdb.connect()
    create_schema(con)
    ctx = LoadContext(con=con, estate_root=estate, scanner=SecretScanner(b"k" * 32))
    errors = inventory.load(ctx, estate)
    if strict_inputs:
        # connector rows are inserted as table rows, not files, so "glob matches no file" warnings are expected
        invalid = [e for e in errors if not e.message.startswith("warning:")]
        assert invalid == [], "the fixture's inventory, policy or exceptions are invalid"
    if ctx.quarantined:
        con.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?)", ctx.quarantined)
    rows = {**BASE["rows"], **case.get("rows", {})}
    for table, table_rows in rows.items():
        expanded = []
        for n, row in enumerate(table_rows):
            row = dict(row)
            for copy_no in range(row.pop("repeat", 1)):
                full = {**BASE["defaults"].get(table, {}), **row}
                if table in ("tool_calls", "target_events") and "event_id" not in row:
                    full["event_id"] = f"{full['event_id']}-{n}-{copy_no}"
                expanded.append(full)
        columns = {column for row in expanded for column in row}  # rows of one table may set different columns
        ctx.insert_rows(table, [{column: row.get(column) for column in sorted(columns)} for row in expanded])
    evaluate(con, run_id="test", as_of=BASE["as_of"], published_at=date(2026, 11, 20), checks_dir=checks_dir)
    return con


def gates_passing_without_evidence(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(system, gate) pairs that PASS (raw or after risk) although the evidence the gate rests on is missing:
    credentials for identity, tool listings for scope, audit events in the review window for audit, and
    connector configs for any gate."""
    return con.execute("""
        SELECT g.system_id, g.gate
        FROM gate_results AS g
        JOIN system_evidence AS e USING (system_id)
        LEFT JOIN system_audit_freshness AS f USING (system_id)
        WHERE (g.status = 'PASS' OR g.status_after_risk = 'PASS')
          AND ((g.gate = 'identity' AND NOT list_contains(e.evidence_present, 'credentials'))
            OR (g.gate = 'scope' AND NOT list_contains(e.evidence_present, 'tools'))
            OR (g.gate = 'audit' AND coalesce(f.events_in_window, 0) = 0)
            OR NOT list_contains(e.evidence_present, 'connectors'))
        ORDER BY 1, 2
    """).fetchall()
