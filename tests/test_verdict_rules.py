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
from verdict_cases import FIXTURES, build_estate, gates_passing_without_evidence

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
    assert gates_passing_without_evidence(con) == []
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
    assert f"- {sentence}" in report.render(con, "markdown")
    sarif = json.loads(report.render(con, "sarif"))
    assert any(sentence in r["message"]["text"] for r in sarif["runs"][0]["results"]
               if r["ruleId"] == "policy-deviation")


def test_the_fixtures_cover_every_numbered_rule() -> None:
    names = {p.stem for p in VERDICT_FIXTURES.glob("[a-z]*.yaml")}
    assert names >= {"sinks", "relief", "exceptions", "expiry", "tier_override", "tamper_evidence",
                     "stale_evidence", "tier_rules", "titles"}


@pytest.mark.parametrize("removed", ["credentials", "tools", "tool_calls", "connector_servers"])
@pytest.mark.parametrize("case_id", ["expiry-exception_expiring_on_the_as_of_date_still_applies",
                                     "tier_rules-low_severity_unused_grant_is_advisory_at_tier_4",
                                     "tamper_evidence-verified_digests_clear_tier_1"])
def test_removing_one_kind_of_evidence_leaves_its_gate_unproven(tmp_path: Path, case_id: str, removed: str) -> None:
    # every verdict fixture asserts the same in test_verdict_fixture, every check fixture in tests/test_checks.py,
    # the sample in test_no_gate_passes_without_its_evidence_in_the_sample; here cleared estates lose one family
    case = next(p.values[0] for p in verdict_cases() if p.id == case_id)
    con = build(tmp_path, {**case, "rows": {**case.get("rows", {}), removed: []}})
    assert gates_passing_without_evidence(con) == []
    gate = {"credentials": "identity_gate", "tools": "scope_gate", "tool_calls": "audit_gate"}.get(removed)
    verdict = shop_verdict(con)
    assert verdict["verdict"] == "BLOCKED" and verdict["verdict_after_risk"] == "BLOCKED"
    if gate:
        assert verdict[gate] == "UNKNOWN"


def test_no_gate_passes_without_its_evidence_in_the_sample(sample_db: Path) -> None:
    con = report.open_database(sample_db)
    assert gates_passing_without_evidence(con) == []
    # and the sample does have systems without each kind of evidence, so the assertion was tested
    missing = con.execute("SELECT count(*) FROM system_audit_freshness WHERE events_in_window = 0").fetchone()[0]
    assert missing > 0


def _digest_estate(tmp_path: Path, *, tamper_log: bool = False, drop_middle: bool = False,
                   export_signatures: bool = True, bad_signature: bool = False) -> list[dict[str, Any]]:
    """A CloudTrail trail with three daily digests over real log files, loaded by the real audit pipeline."""
    import gzip
    from datetime import UTC, datetime, timedelta

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from mcp_clearance.pipelines import audit
    from mcp_clearance.pipelines.base import LoadContext, load_family
    from mcp_clearance.sample_estate import digest_chain
    from mcp_clearance.secrets import SecretScanner
    from mcp_clearance.store import create_schema

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    folder = tmp_path / "audit" / "cloudtrail"
    folder.mkdir(parents=True)
    periods = []
    for day in range(3):
        start = datetime(2026, 11, 17, tzinfo=UTC) + timedelta(days=day)
        name = f"111122223333_CloudTrail_eu-west-1_{start:%Y%m%dT%H%MZ}_{day:016x}.json.gz"
        content = json.dumps({"Records": [{"eventVersion": "1.09", "eventSource": "s3.amazonaws.com",
                                           "eventName": "GetObject", "eventTime": f"{start:%Y-%m-%dT%H:%M:%SZ}",
                                           "eventID": f"e-{day}"}]}).encode()
        periods.append((start, start + timedelta(days=1), [(name, content)]))
        (folder / name).write_bytes(gzip.compress(content if not (tamper_log and day == 0) else content + b" "))
    chain = digest_chain("audit-trail", periods, sign=lambda data: key.sign(data, padding.PKCS1v15(),
                                                                           hashes.SHA256()).hex())
    for n, (relative, data, signature) in enumerate(chain):
        if drop_middle and n == 1:
            continue
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
        if export_signatures:
            (folder / (relative + ".sig")).write_text(("00" + signature[2:]) if bad_signature and n == 2 else signature)
    if export_signatures:
        (folder / "cloudtrail-eu-west-1.pem").write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    con = duckdb.connect()
    create_schema(con)
    ctx = LoadContext(con=con, estate_root=tmp_path, scanner=SecretScanner(b"k" * 32))
    load_family(ctx, "audit", audit, tmp_path / "audit")
    assert ctx.quarantined == [], ctx.quarantined
    assert con.execute("SELECT count(*) FROM target_events").fetchone()[0] == 3  # the logs still load as CloudTrail
    return report.rows(con, "SELECT * FROM audit_digests ORDER BY digest_file")


def test_cloudtrail_digests_verify_log_hashes_chain_and_signatures(tmp_path: Path) -> None:
    digests = _digest_estate(tmp_path)
    assert [(d["status"], d["signature"], d["log_files_checked"]) for d in digests] == [("verified", "verified", 1)] * 3
    assert {d["trail_name"] for d in digests} == {"audit-trail"}


def test_a_changed_log_file_contradicts_its_digest_naming_the_file(tmp_path: Path) -> None:
    digests = _digest_estate(tmp_path, tamper_log=True)
    assert [d["status"] for d in digests] == ["contradicted", "verified", "verified"]
    assert "20261117T0000Z_0000000000000000.json.gz: hash value doesn't match" in digests[0]["problem"]


def test_a_missing_digest_is_a_gap_in_the_chain(tmp_path: Path) -> None:
    digests = _digest_estate(tmp_path, drop_middle=True)
    assert [d["status"] for d in digests] == ["verified", "contradicted"]
    assert "gap in the digest chain: previous digest" in digests[1]["problem"]
    assert "20261119T000000Z.json.gz is missing" in digests[1]["problem"]


def test_signatures_not_exported_are_not_checked_and_bad_ones_contradict(tmp_path: Path) -> None:
    unsigned = _digest_estate(tmp_path / "unsigned", export_signatures=False)
    assert [(d["status"], d["signature"]) for d in unsigned] == [("verified", "not_checked")] * 3
    forged = _digest_estate(tmp_path / "forged", bad_signature=True)
    assert forged[2]["signature"] == "invalid" and forged[2]["status"] == "contradicted"
    assert "signature verification failed" in forged[2]["problem"]
