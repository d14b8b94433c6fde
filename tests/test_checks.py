"""Every check against fixtures that make it pass, fail and come out unknown.

A fixture (tests/fixtures/checks/<ID>.yaml) is a list of named cases over the base estate in
_base.yaml: the inventory and policy go through the real inventory loader, the evidence rows into the
tables the pipelines fill (pipelines/schema.sql), and then the real evaluation runs every check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from verdict_cases import build_estate, gates_passing_without_evidence

from mcp_clearance.catalog import default_checks_dir, load_checks

FIXTURES = Path(__file__).parent / "fixtures" / "checks"
CHECK_IDS = sorted(load_checks(default_checks_dir()))


def fixture_cases() -> list[Any]:
    cases = []
    for path in sorted(FIXTURES.glob("[A-Z]*.yaml")):
        for name, case in yaml.safe_load(path.read_text()).items():
            cases.append(pytest.param(path.stem, case, id=f"{path.stem}-{name}"))
    return cases


def status(con: duckdb.DuckDBPyConnection, check_id: str) -> tuple[str, list[tuple[str, str, str]]]:
    overall = con.execute("SELECT status FROM system_check_status WHERE system_id = 'shop' AND check_id = ?",
                          [check_id]).fetchone()[0]
    rows = con.execute("SELECT status, resource, reason FROM check_results WHERE system_id = 'shop' "
                       "AND check_id = ? ORDER BY resource", [check_id]).fetchall()
    return overall, rows


@pytest.mark.parametrize(("check_id", "case"), fixture_cases())
def test_check_fixture(tmp_path: Path, check_id: str, case: dict[str, Any]) -> None:
    con = build_estate(tmp_path, case)
    overall, rows = status(con, check_id)
    assert overall == case["expect"], rows
    assert gates_passing_without_evidence(con) == []
    for result, resource, reason in rows:
        assert reason and resource, f"{check_id} returned a row without reason or resource"
        if result == "FAIL" and "reason_contains" in case:
            assert case["reason_contains"] in reason


def test_base_estate_passes_every_check_and_is_cleared(tmp_path: Path) -> None:
    con = build_estate(tmp_path, {})
    statuses = dict(con.execute("SELECT check_id, status FROM system_check_status WHERE system_id = 'shop'")
                    .fetchall())
    assert set(statuses) == set(CHECK_IDS)
    assert {c: s for c, s in statuses.items() if s not in ("PASS", "NOT_APPLICABLE")} == {}
    assert con.execute("SELECT verdict, tier FROM verdicts").fetchall() == [("CLEARED", 3)]


def test_every_check_has_pass_fail_and_unknown_fixtures() -> None:
    expected = {"PASS", "FAIL", "UNKNOWN"}
    for check_id in CHECK_IDS:
        path = FIXTURES / f"{check_id}.yaml"
        assert path.exists(), f"{check_id} has no fixture file {path}"
        seen = {case["expect"] for case in yaml.safe_load(path.read_text()).values()}
        assert expected <= seen, f"{check_id} fixtures cover {sorted(seen)}, not all of {sorted(expected)}"


def test_a_missing_or_broken_check_query_is_unknown_for_every_system(tmp_path: Path) -> None:
    checks = tmp_path / "checks"
    checks.mkdir()
    source = default_checks_dir()
    for check_id in ("ID-01", "ID-02"):
        (checks / f"{check_id}.yaml").write_text((source / f"{check_id}.yaml").read_text())
    (checks / "ID-01.sql").write_text("SELECT system_id, 'x' AS resource, 'PASS' AS status FROM no_such_table")
    con = build_estate(tmp_path, {}, checks_dir=checks)
    results = dict(con.execute("SELECT check_id, status FROM check_results").fetchall())
    assert results == {"ID-01": "UNKNOWN", "ID-02": "UNKNOWN"}
    reasons = [r for (r,) in con.execute("SELECT reason FROM check_results ORDER BY check_id").fetchall()]
    assert "query failed" in reasons[0] and "no query" in reasons[1]
