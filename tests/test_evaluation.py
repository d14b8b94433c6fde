"""Gate evaluation on the generated sample estate: verdicts, tiers, history deltas, path to clearance.

The sample organisation is built from declared scenarios (`SCENARIOS`) and a declared history
(`TIMELINE`); these tests hold the real pipeline's answers to what those declarations say.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import pytest

from mcp_clearance import report
from mcp_clearance.run import run
from mcp_clearance.sample_estate import DEFAULT_AS_OF, SCENARIOS, TIMELINE

SAMPLE = Path(__file__).parent.parent / "sample_data"

# What each kind of declared change must look like in the delta of the first run after it.
DELTA_OF_CHANGE = {"fixed": "resolved", "new problem": "new", "evidence gone": "incomparable"}


@pytest.fixture(scope="module")
def con(sample_db: Path) -> duckdb.DuckDBPyConnection:
    connection = report.open_database(sample_db)
    yield connection
    connection.close()


def test_every_sample_system_gets_its_declared_verdict_tier_and_failing_checks(con: duckdb.DuckDBPyConnection) -> None:
    rows = report.rows(con, "SELECT * FROM verdicts")
    assert {r["system_id"] for r in rows} == set(SCENARIOS)
    for r in rows:
        declared = SCENARIOS[r["system_id"]]
        got = (r["verdict"], r["tier"], sorted(r["failing_checks"] or []), bool(r["unknown_checks"]))
        assert got == (declared.verdict, declared.tier, sorted(declared.fails), declared.insufficient), r["system_id"]
        assert r["tier_reason"], f"{r['system_id']} has no tier reason"
        if declared.insufficient:
            assert r["verdict"] == "BLOCKED" and "insufficient evidence" in r["reason"]


def test_sample_covers_all_three_verdicts_and_failures_in_each_gate(con: duckdb.DuckDBPyConnection) -> None:
    verdicts = {v for (v,) in con.execute("SELECT DISTINCT verdict FROM verdicts").fetchall()}
    assert verdicts == {"CLEARED", "READ_ONLY", "BLOCKED"}
    gates = {g for (g,) in con.execute(
        "SELECT DISTINCT gate FROM system_check_status WHERE status = 'FAIL'").fetchall()}
    assert gates == {"identity", "scope", "audit"}


def test_unknown_never_counts_as_a_pass(con: duckdb.DuckDBPyConnection) -> None:
    leaks = con.execute("""
        SELECT g.system_id, g.gate FROM gate_results g
        WHERE g.status = 'PASS' AND EXISTS (
            SELECT 1 FROM system_check_status s
            WHERE s.system_id = g.system_id AND s.gate = g.gate AND s.status = 'UNKNOWN')
    """).fetchall()
    assert leaks == []
    cleared_with_unknowns = con.execute(
        "SELECT system_id FROM verdicts WHERE verdict <> 'BLOCKED' AND len(unknown_checks) > 0").fetchall()
    assert cleared_with_unknowns == []


def test_history_has_nine_runs_and_a_trend_row_for_each(con: duckdb.DuckDBPyConnection) -> None:
    runs = [d for (d,) in con.execute("SELECT as_of FROM runs ORDER BY as_of").fetchall()]
    assert len(runs) == 9 and runs[-1] == DEFAULT_AS_OF
    trend = report.rows(con, "SELECT * FROM trend_per_run ORDER BY as_of")
    assert [t["as_of"] for t in trend] == runs
    for t in trend:
        assert t["cleared"] + t["read_only"] + t["blocked"] == t["systems"] == len(SCENARIOS)


def _first_run_on_or_after(day: date, runs: list[date]) -> date:
    return min(r for r in runs if r >= day)


def test_every_delta_in_the_history_is_one_the_timeline_declares(con: duckdb.DuckDBPyConnection) -> None:
    runs = [d for (d,) in con.execute("SELECT as_of FROM runs ORDER BY as_of").fetchall()]
    expected: dict[tuple[date, str], set[str]] = defaultdict(set)
    for change in TIMELINE:
        if change.kind in DELTA_OF_CHANGE and change.day > runs[0]:
            expected[(_first_run_on_or_after(change.day, runs), DELTA_OF_CHANGE[change.kind])].add(change.system)
    got: dict[tuple[date, str], set[str]] = defaultdict(set)
    for as_of, delta, system in con.execute("""
        SELECT as_of, delta, system_id FROM finding_changes_per_run
        WHERE previous_as_of IS NOT NULL AND delta <> 'unchanged'
    """).fetchall():
        got[(as_of, delta)].add(system)
    assert dict(got) == dict(expected)
    # each kind of delta occurs in the shipped history
    assert {delta for (_, delta) in got} == {"new", "resolved", "incomparable"}


def test_current_delta_counts_new_resolved_and_incomparable(con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(con.execute("SELECT delta, count(*) FROM finding_deltas GROUP BY delta").fetchall())
    current = dict(con.execute("""
        SELECT delta, count(*) FROM finding_changes_per_run
        WHERE as_of = (SELECT max(as_of) FROM runs) GROUP BY delta
    """).fetchall())
    assert counts == current  # the two views agree on the latest run
    assert counts["new"] == 2  # mobile-backend: never-expiring PAT fails ID-02 and ID-03
    assert counts["resolved"] == 1  # public-docs-search: server pinned, SC-09 passes
    assert counts["incomparable"] == 3  # partner-api: Entra export gone, its three credential findings
    assert counts["unchanged"] > 50


def test_evidence_added_moves_a_system_up_in_the_verdict_history(con: duckdb.DuckDBPyConnection) -> None:
    runs = [d for (d,) in con.execute("SELECT as_of FROM runs ORDER BY as_of").fetchall()]
    for change in (c for c in TIMELINE if c.kind == "evidence added" and c.day > runs[0]):
        after = _first_run_on_or_after(change.day, runs)
        before = runs[runs.index(after) - 1]
        verdicts = dict(con.execute(
            "SELECT as_of, verdict FROM verdict_history WHERE system_id = ? AND as_of IN (?, ?)",
            [change.system, before, after]).fetchall())
        assert verdicts[before] == "BLOCKED" and verdicts[after] != "BLOCKED", change


def test_first_seen_ages_come_from_the_history(con: duckdb.DuckDBPyConnection) -> None:
    first_seen = dict(con.execute(
        "SELECT system_id || ' ' || check_id, min(first_seen) FROM findings WHERE status = 'FAIL' GROUP BY 1"
    ).fetchall())
    runs = [d for (d,) in con.execute("SELECT as_of FROM runs ORDER BY as_of").fetchall()]
    assert first_seen["mobile-backend ID-02"] == DEFAULT_AS_OF
    assert first_seen["sales-ops SC-10"] == _first_run_on_or_after(
        next(c.day for c in TIMELINE if c.system == "sales-ops"), runs)
    assert first_seen["legacy-erp ID-02"] == runs[0]


def test_every_system_short_of_cleared_has_a_path_to_the_next_stage(con: duckdb.DuckDBPyConnection) -> None:
    not_cleared = {s for (s,) in con.execute("SELECT system_id FROM verdicts WHERE verdict <> 'CLEARED'").fetchall()}
    paths = report.rows(con, "SELECT * FROM path_to_clearance ORDER BY system_id, step")
    assert {p["system_id"] for p in paths} == not_cleared
    for p in paths:
        assert p["next_stage"] == {"BLOCKED": "READ_ONLY", "READ_ONLY": "CLEARED"}[p["verdict"]]
        assert p["remediation"] and p["effort"] in {"low", "medium", "high"}
        assert p["status"] in {"FAIL", "UNKNOWN"}
    steps = {p["check_id"] for p in paths if p["system_id"] == "payments-gateway"}
    assert steps == {"SC-03"}  # SC-02 (write tools) only matters for CLEARED, not for the next stage


def test_fixing_the_path_in_a_copy_of_the_estate_moves_the_system_up_a_stage(
        con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """docs-portal is blocked by SC-09 (its Gemini CLI server runs `npx -y` on an unpinned package)."""
    path = report.rows(con, "SELECT * FROM path_to_clearance WHERE system_id = 'docs-portal'")
    assert [p["check_id"] for p in path] == ["SC-09"]
    estate = tmp_path / "estate"
    shutil.copytree(SAMPLE, estate)
    settings = estate / "connectors/docs-portal/.gemini/settings.json"
    pinned = re.sub(r'"@acme/docs-portal-mcp"', '"@acme/docs-portal-mcp@1.8.2"', settings.read_text())
    assert pinned != settings.read_text()
    settings.write_text(pinned)

    db = tmp_path / "fixed.duckdb"
    run(estate, db, as_of=DEFAULT_AS_OF)
    with report.open_database(db) as fixed:
        verdict, failing = fixed.execute(
            "SELECT verdict, failing_checks FROM verdicts WHERE system_id = 'docs-portal'").fetchone()
        others = dict(fixed.execute("SELECT system_id, verdict FROM verdicts WHERE system_id <> 'docs-portal'")
                      .fetchall())
    # at least the next stage; docs-portal has nothing else failing, so it goes straight to cleared
    stages = ["BLOCKED", "READ_ONLY", "CLEARED"]
    assert path[0]["next_stage"] == "READ_ONLY" and stages.index(verdict) >= stages.index("READ_ONLY")
    assert verdict == "CLEARED"
    assert "SC-09" not in failing
    assert others == {sid: s.verdict for sid, s in SCENARIOS.items() if sid != "docs-portal"}
