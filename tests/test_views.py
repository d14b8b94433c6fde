"""Every named view in queries/ answers on the sample estate, and the views agree with each other."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from mcp_clearance import report
from mcp_clearance.sample_estate import SCENARIOS

QUERIES = Path(__file__).parent.parent / "queries"
VIEWS = sorted(p.stem for p in QUERIES.glob("*.sql"))
# views that are empty on a well-kept estate: every connector config in the sample is assigned to a system
EMPTY_ON_SAMPLE = {"unassigned_connectors"}


@pytest.fixture(scope="module")
def con(sample_db: Path) -> duckdb.DuckDBPyConnection:
    connection = report.open_database(sample_db)
    yield connection
    connection.close()


def one(con: duckdb.DuckDBPyConnection, query: str, *params: object) -> tuple:
    return con.execute(query, list(params)).fetchone()


@pytest.mark.parametrize("view", VIEWS)
def test_view_answers_on_the_sample(con: duckdb.DuckDBPyConnection, view: str) -> None:
    rows = one(con, f"SELECT count(*) FROM {view}")[0]
    assert (rows == 0) == (view in EMPTY_ON_SAMPLE), f"{view}: {rows} rows"


def test_estate_summary_matches_the_verdicts(con: duckdb.DuckDBPyConnection) -> None:
    s = report.rows(con, "SELECT * FROM estate_summary")[0]
    counts = dict(con.execute("SELECT verdict, count(*) FROM verdicts GROUP BY 1").fetchall())
    assert (s["cleared"], s["read_only"], s["blocked"]) == (counts["CLEARED"], counts["READ_ONLY"], counts["BLOCKED"])
    assert s["systems"] == len(SCENARIOS)
    assert s["insufficient_evidence"] == sum(sc.insufficient for sc in SCENARIOS.values())
    assert 0 < s["evidence_coverage"] < 1
    assert s["open_findings"] == one(con, "SELECT count(*) FROM findings WHERE status = 'FAIL' AND NOT suppressed")[0]
    assert s["quarantined_records"] == one(con, "SELECT count(*) FROM quarantine")[0] > 0


@pytest.mark.parametrize(("view", "key"), [("verdicts_by_tier", "tier"), ("verdicts_by_unit", "business_unit")])
def test_verdict_breakdowns_add_up(con: duckdb.DuckDBPyConnection, view: str, key: str) -> None:
    got = dict(((k, v), n) for k, v, n in con.execute(f"SELECT {key}, verdict, systems FROM {view}").fetchall())
    want = dict(((k, v), n) for k, v, n in con.execute(
        f"SELECT {key}, verdict, count(*) FROM verdicts GROUP BY ALL").fetchall())
    assert got == want


def test_gate_matrix_has_every_system_and_gate_once(con: duckdb.DuckDBPyConnection) -> None:
    pairs = con.execute("SELECT system_id, gate FROM gate_matrix").fetchall()
    assert len(pairs) == len(set(pairs)) == 3 * len(SCENARIOS)
    mismatched = con.execute("""
        SELECT m.system_id FROM gate_matrix m JOIN verdicts v USING (system_id)
        WHERE m.status <> CASE m.gate WHEN 'identity' THEN v.identity_gate WHEN 'scope' THEN v.scope_gate
                                      ELSE v.audit_gate END
    """).fetchall()
    assert mismatched == []


def test_framework_status_covers_six_frameworks_with_gaps_and_failures(con: duckdb.DuckDBPyConnection) -> None:
    per = dict(con.execute(
        "SELECT framework_id, list(DISTINCT status) FROM framework_status_estate GROUP BY 1").fetchall())
    assert len(per) == 6
    assert all("failing" in statuses for statuses in per.values())
    gaps = one(con, "SELECT count(*) FROM framework_status_estate WHERE status = 'gap' AND len(checks) > 0")[0]
    assert gaps == 0, "a requirement with checks is never a gap"
    per_system = one(con, "SELECT count(DISTINCT system_id) FROM framework_status")[0]
    assert per_system == len(SCENARIOS)


def test_credential_lifetimes_are_judged_against_the_tier_limit(con: duckdb.DuckDBPyConnection) -> None:
    rows = report.rows(con, "SELECT * FROM credential_lifetimes")
    assert any(r["exceeds_tier_limit"] for r in rows) and any(not r["exceeds_tier_limit"] for r in rows)
    for r in rows:
        if r["never_expires"]:
            assert r["exceeds_tier_limit"]
        elif r["lifetime_s"] is not None:
            assert r["exceeds_tier_limit"] == (r["lifetime_s"] > r["max_credential_lifetime_s"]), r


def test_delegation_chain_coverage_shares_are_shares(con: duckdb.DuckDBPyConnection) -> None:
    rows = report.rows(con, "SELECT * FROM delegation_chain_coverage")
    for r in rows:
        for column in ("agent_share", "user_share", "decision_share", "trace_share", "target_linked_share"):
            assert r[column] is None or 0 <= r[column] <= 1, (r["agent_id"], column)
    assert any(r["user_share"] is not None and r["user_share"] < 1 for r in rows)
    assert any(r["user_share"] == 1 for r in rows)


def test_burn_down_per_team_counts_each_run_from_the_history(con: duckdb.DuckDBPyConnection) -> None:
    burn = dict(con.execute("SELECT as_of, sum(open_findings) FROM burn_down_per_team GROUP BY 1").fetchall())
    runs = [d for (d,) in con.execute("SELECT as_of FROM runs").fetchall()]
    assert set(burn) == set(runs)
    latest = max(runs)
    current_open = one(con, "SELECT count(*) FROM findings WHERE status = 'FAIL' AND NOT suppressed")[0]
    assert burn[latest] == current_open


def test_exceptions_audit_flags_each_problem_state(con: duckdb.DuckDBPyConnection) -> None:
    states = dict(con.execute("SELECT state, count(*) FROM exceptions_audit GROUP BY 1").fetchall())
    assert {"active", "expired", "unused", "invalid"} <= set(states)
    suppressed = one(con, "SELECT count(*) FROM findings WHERE suppressed")[0]
    covered = one(con, "SELECT sum(findings_covered) FROM exceptions_audit WHERE state = 'active'")[0]
    assert suppressed == covered > 0
