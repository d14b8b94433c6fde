"""`mcp-clearance check` in CI: one line per blocking finding, the as-of date, stale and unknown inputs exit 2."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
from click.testing import CliRunner

from mcp_clearance.cli import main


def check(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_blocked_system_lists_each_blocking_finding_before_the_remediation(sample_db: Path) -> None:
    code, out, _ = check("legacy-erp", "--db", str(sample_db))
    with duckdb.connect(str(sample_db), read_only=True) as con:
        as_of = con.execute("SELECT as_of FROM run_context").fetchone()[0]
        blocking = con.execute(
            "SELECT f.check_id, f.title, f.resource, f.evidence, f.observed, f.expected FROM findings AS f "
            "WHERE f.system_id = 'legacy-erp' AND f.status IN ('FAIL', 'UNKNOWN') AND f.check_id IN "
            "(SELECT check_id FROM path_to_clearance WHERE system_id = 'legacy-erp')").fetchall()
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("legacy-erp: BLOCKED") and lines[0].endswith(f"as of {as_of}")
    finding_lines = [line for line in lines if line.startswith(("  FAIL", "  UNKNOWN"))]
    assert len(finding_lines) == len(blocking) > 0
    for check_id, title, resource, evidence, observed, expected in blocking:
        # an unknown result may have nothing to show: it says so in words, never "None"
        shown = (f"check {check_id} · {title} — {resource} — {evidence or 'no evidence'} — "
                 f"observed {observed or 'nothing'}, expected {expected or 'n/a'}")
        assert any(shown in line for line in finding_lines), shown
    assert "None" not in out
    assert lines.index("to reach READ_ONLY:") > lines.index(finding_lines[-1]), "findings come before the fix"
    assert max(len(line) for line in lines) > 120, "long lines stay whole when not on a terminal"


def test_json_format_and_a_cleared_system(sample_db: Path) -> None:
    code, out, _ = check("legacy-erp", "--db", str(sample_db), "--format", "json")
    answer = json.loads(out)
    assert code == 1 and answer["verdict"] == "BLOCKED" and answer["ok"] is False and answer["findings"]
    assert {"check_id", "title", "resource", "evidence", "observed", "expected"} <= set(answer["findings"][0])
    with duckdb.connect(str(sample_db), read_only=True) as con:
        cleared = con.execute("SELECT min(system_id) FROM verdicts WHERE verdict = 'CLEARED'").fetchone()[0]
    code, out, _ = check(cleared, "--db", str(sample_db))
    assert code == 0 and out.startswith(f"{cleared}: CLEARED")


def test_an_unknown_system_exits_2_with_did_you_mean(sample_db: Path) -> None:
    code, out, err = check("legacy-erpp", "--db", str(sample_db))
    assert code == 2 and out == ""
    assert "unknown system 'legacy-erpp' — did you mean 'legacy-erp'?" in err


def test_a_database_older_than_max_age_is_refused(sample_db: Path) -> None:
    with duckdb.connect(str(sample_db), read_only=True) as con:
        as_of = con.execute("SELECT as_of FROM run_context").fetchone()[0]
    age = (date.today() - as_of).days
    assert age > 0, "the sample run is dated in the past"
    code, out, err = check("legacy-erp", "--db", str(sample_db), "--max-age", str(age - 1))
    assert code == 2 and out == "" and f"as of {as_of}" in err and "--max-age" in err
    code, _, _ = check("legacy-erp", "--db", str(sample_db), "--max-age", str(age))
    assert code == 1, "a run exactly max-age days old is still read"
