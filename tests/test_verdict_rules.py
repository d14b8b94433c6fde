"""The verdict rules of docs/checks.md, proven on small fixture estates.

Each file in tests/fixtures/verdicts/ holds named cases (built by tests/verdict_cases.py over the
check fixtures' base estate) with the answers written from the rules: the tier, each gate, the verdict
and the verdict after accepted risk, plus the reason texts a person reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from verdict_cases import FIXTURES, build_estate

from mcp_clearance import report

VERDICT_FIXTURES = FIXTURES / "verdicts"
GATE_COLUMNS = {"identity": "identity_gate", "scope": "scope_gate", "audit": "audit_gate"}
VERDICT_COLUMNS = ("tier", "derived_tier", "effective_tier", "verdict", "verdict_after_risk")


def verdict_cases() -> list[Any]:
    cases = []
    for path in sorted(VERDICT_FIXTURES.glob("[a-z]*.yaml")):
        for name, case in yaml.safe_load(path.read_text()).items():
            cases.append(pytest.param(case, id=f"{path.stem}-{name}"))
    return cases


def build(tmp_path: Path, case: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    return build_estate(tmp_path, case, strict_inputs=case.get("strict_inputs", True))


def shop_verdict(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return report.rows(con, "SELECT * FROM verdicts WHERE system_id = 'shop'")[0]


@pytest.mark.parametrize("case", verdict_cases())
def test_verdict_fixture(tmp_path: Path, case: dict[str, Any]) -> None:
    con = build(tmp_path, case)
    verdict = shop_verdict(con)
    expect = case["expect"]
    got = {k: verdict[k] for k in VERDICT_COLUMNS if k in expect}
    got |= {gate: verdict[column] for gate, column in GATE_COLUMNS.items() if gate in expect}
    assert got == expect, verdict["reason"]
    if "reason_contains" in case:
        assert case["reason_contains"] in verdict["reason"]
    if "tier_reason_contains" in case:
        assert case["tier_reason_contains"] in verdict["tier_reason"]
    # `check --after-risk` answers from the same rows as the after-risk verdict
    ok, _ = report.check_system(con, "shop", "cleared", after_risk=True)
    assert ok == (expect["verdict_after_risk"] == "CLEARED")
    audit = {r["exception_id"]: r for r in report.rows(con, "SELECT * FROM exceptions_audit")}
    for exception_id, state in case.get("exception_states", {}).items():
        assert audit[exception_id]["state"] == state, audit[exception_id]["state_reason"]
    for exception_id, text in case.get("exception_reason_contains", {}).items():
        assert text in audit[exception_id]["state_reason"]
    if "unloaded_exceptions" in case:
        unloaded = [r for r in audit.values() if r["exception_id"].startswith("unloaded record")]
        assert len(unloaded) == case["unloaded_exceptions"] and all(r["state"] == "invalid" for r in unloaded)
    _assert_findings(con, case)
    if "deviation" in case:
        _assert_deviation_in_every_report(con, case["deviation"])


def _assert_findings(con: duckdb.DuckDBPyConnection, case: dict[str, Any]) -> None:
    for check_id, text in case.get("finding_contains", {}).items():
        texts = [f"{r['reason']} {r['exceptions_not_applied'] or ''}" for r in report.rows(
            con, "SELECT * FROM findings WHERE system_id = 'shop' AND check_id = ? AND status <> 'PASS'", [check_id])]
        assert any(text in t for t in texts), texts
    for check_id, text in case.get("finding_relief_contains", {}).items():
        reliefs = [r for (r,) in con.execute("SELECT relief_reason FROM findings WHERE system_id = 'shop' "
                                             "AND check_id = ? AND status = 'FAIL'", [check_id]).fetchall()]
        assert reliefs and all(text in r for r in reliefs), reliefs


def _assert_deviation_in_every_report(con: duckdb.DuckDBPyConnection, expected: dict[str, str]) -> None:
    rows = report.rows(con, "SELECT * FROM policy_deviation_report")
    matching = [r for r in rows if all(str(r[k]) == v for k, v in expected.items())]
    assert matching, rows
    sentence = report.deviation_text(matching[0])
    assert any(d == matching[0] for d in json.loads(report.render(con, "json"))["policy_deviations"])
    assert sentence in report.render(con, "csv")
    assert sentence.replace("|", "\\|") in report.render(con, "markdown")
    sarif = json.loads(report.render(con, "sarif"))
    assert any(sentence in r["message"]["text"] for r in sarif["runs"][0]["results"]
               if r["ruleId"] == "policy-deviation")


def test_the_fixtures_cover_every_numbered_rule() -> None:
    names = {p.stem for p in VERDICT_FIXTURES.glob("[a-z]*.yaml")}
    assert names >= {"sinks", "relief", "exceptions", "expiry", "tier_override", "tamper_evidence",
                     "stale_evidence", "tier_rules", "titles"}
