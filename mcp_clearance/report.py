"""Reports over a published database: JSON, CSV, Markdown and SARIF 2.1.0, and the CI gate.

Everything is read from the named views in queries/, the same ones the dashboard and the
notebooks use, so the three can never disagree.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from mcp_clearance import __version__, board_report
from mcp_clearance.labels import MISSING, check_label
from mcp_clearance.readout import (
    STATUS_WORDS,
    VERDICT_WORDS,
    days_text,
    duration_text,
    plural,
    rows,
)
from mcp_clearance.store import DUCKDB_LOCK_CONFLICT, SCHEMA_VERSION

REPORT_FORMATS = ("json", "csv", "markdown", "sarif", "html")
STAGES = {"blocked": 0, "read-only": 1, "cleared": 2}
VERDICT_STAGE = {"BLOCKED": 0, "READ_ONLY": 1, "CLEARED": 2}
SARIF_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
POLICY_DEVIATION_RULE: dict[str, Any] = {
    "id": "policy-deviation",
    "name": "PolicyDeviation",
    "shortDescription": {"text": "A threshold or tier judged less strictly than the shipped defaults"},
    "fullDescription": {"text": "policy.yaml loosened a tier threshold, or inventory.yaml lowered a system's "
                                "derived tier; the verdicts are judged against the loosened value."},
    "help": {"text": "Confirm the deviation is intended and approved, or restore the default."},
    "properties": {"tags": ["mcp", "policy"]},
    "defaultConfiguration": {"level": "warning"},
}


class DatabaseProblem(Exception):
    """The database is missing, unreadable or from another version; the message says what to run."""


# the catalog name a published database is attached under when opened for reading
READ_CATALOG = "estate"


def open_database(db: Path) -> duckdb.DuckDBPyConnection:
    """The published run at `db`, read-only; DatabaseProblem (naming the command to run) when there is none.

    The file is attached to a new in-memory connection rather than opened with `duckdb.connect(db)`: DuckDB keeps
    one database per path in a process and hands it to every later `connect` of that path, so while any reader
    holds it open, a newer run renamed into place would stay invisible to this process (a dashboard or a notebook
    that re-opens after `mcp-clearance run`). An ATTACH opens the file that is at the path now.
    """
    publish = f"`mcp-clearance run ESTATE --db {db}`"
    if not db.exists():
        raise DatabaseProblem(f"{db} does not exist; run {publish} first")
    if db.is_file() and db.stat().st_size == 0:
        raise DatabaseProblem(f"{db} cannot be opened: it is an empty file, not a published run; run {publish}")
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH ? AS {READ_CATALOG} (READ_ONLY)", [str(db)])
        con.execute(f"USE {READ_CATALOG}")
    except duckdb.Error as exc:
        con.close()
        raise DatabaseProblem(_unopenable(db, str(exc), publish)) from None
    try:
        schema = _schema_version(con)
    except duckdb.Error:
        schema = None
    if schema != SCHEMA_VERSION:
        con.close()
        written = "holds no MCP Clearance run: it was written by another program or another version" \
            if schema is None else f"was written by another version of MCP Clearance (schema {schema})"
        raise DatabaseProblem(f"{db} {written}; this version reads schema {SCHEMA_VERSION}: re-run {publish}")
    try:
        con.execute("SELECT as_of FROM run_context").fetchone()
        con.execute("SELECT 1 FROM verdicts LIMIT 1").fetchall()
    except duckdb.Error:
        con.close()
        raise DatabaseProblem(f"{db} was written by another version of MCP Clearance; re-run {publish}") from None
    return con


def _schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    has_meta = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'clearance_meta'",
        [READ_CATALOG],
    ).fetchone()[0]
    if not has_meta:
        return None
    row = con.execute("SELECT schema_version FROM clearance_meta").fetchone()
    return None if row is None else row[0]


def _unopenable(db: Path, error: str, publish: str) -> str:
    """Why DuckDB refused the file, in the reader's terms (DuckDB's own words name the path, never content)."""
    if "WAL" in error:
        return (f"{db} cannot be opened: its write-ahead log {db}.wal does not belong to it (left by another "
                f"writer); run {publish}, which sets the log aside, or move {db}.wal away")
    if DUCKDB_LOCK_CONFLICT in error:
        return f"{db} cannot be opened: another process has it open for writing; close that process, or run {publish}"
    if "not a valid DuckDB database" in error:
        return f"{db} cannot be opened: it is not a DuckDB database file; run {publish} (the old file is kept aside)"
    first = error.strip().splitlines()[0] if error.strip() else "unknown reason"
    return f"{db} cannot be opened ({first}); run {publish}"


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _clean(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in r.items()} for r in records]


def build_report(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The JSON report (schema in docs/report-schema.md)."""
    summary = _clean(rows(con, "SELECT * FROM estate_summary"))[0]
    systems = _clean(rows(con, "SELECT * FROM verdicts ORDER BY tier, system_id"))
    path = _clean(rows(con, "SELECT system_id, next_stage, step, check_id, title, status, effort, remediation "
                            "FROM path_to_clearance ORDER BY system_id, step"))
    for system in systems:
        system["path_to_clearance"] = [
            {k: v for k, v in p.items() if k != "system_id"} for p in path if p["system_id"] == system["system_id"]
        ]
    return {
        "report_version": 1,
        "tool": {"name": "mcp-clearance", "version": __version__},
        "as_of": summary["as_of"],
        "summary": summary,
        "policy_deviations": _clean(rows(con, "SELECT * FROM policy_deviation_report")),
        "systems": systems,
        "findings": _clean(rows(con, "SELECT finding_id, check_id, gate, severity, title, system_id, tier, resource, "
                                     "status, reason, observed, expected, evidence, suppressed, exception_id, "
                                     "exceptions_not_applied, relief_reason, "
                                     "first_seen, due, overdue, ticket FROM findings "
                                     "WHERE status IN ('FAIL', 'UNKNOWN') ORDER BY system_id, check_id, resource")),
        "exceptions": _clean(rows(con, "SELECT * FROM exceptions_audit ORDER BY exception_id")),
    }


# thresholds as people name them, in policy_deviation_report's `threshold` and in its `detail` sentences
THRESHOLD_WORDS = {
    "max_credential_lifetime_s": "maximum credential lifetime",
    "task_credential_grace_s": "credential grace after a task",
    "static_secrets_allowed": "static secrets allowed",
    "write_tools": "write tools",
    "agent_coverage": "calls naming the agent",
    "user_coverage": "calls naming the delegating user",
    "target_linkage": "calls linked to the target system's log",
    "retention_days": "log retention",
    "tamper_evidence": "tamper evidence",
    "advisory_severities": "advisory severities",
    "remediation_sla_days": "remediation deadline",
    "review_window_days": "review window",
}
# "key old -> new" inside a tier override's detail; a value runs up to the next known key (values may hold ", ")
_KEYS = "|".join(sorted(THRESHOLD_WORDS, key=len, reverse=True))
THRESHOLD_CHANGE = re.compile(rf"\b({_KEYS}) (.+?) -> (.+?)(?=, (?:{_KEYS}) |$)")


def threshold_value(threshold: str, value: str | None) -> str:
    """A threshold's value in its unit: lifetimes in days (or hours), day counts as days, shares as percentages."""
    if value is None or value in ("", "none"):
        return "none"
    try:
        number = float(value)
    except ValueError:
        return value
    if threshold.endswith("_s"):
        return duration_text(number)
    if threshold.endswith("_days"):
        return plural(int(number), "day")
    if threshold.endswith(("_coverage", "_linkage")):
        return f"{number:.1%}".replace(".0%", "%")
    return value


def deviation_text(d: dict[str, Any]) -> str:
    """One sentence per policy deviation, the same in every report format."""
    if d["detail"]:
        what = THRESHOLD_CHANGE.sub(lambda m: f"{THRESHOLD_WORDS[m[1]]} {threshold_value(m[1], m[2])} → "
                                              f"{threshold_value(m[1], m[3])}", d["detail"])
    else:
        threshold = d["threshold"]
        what = (f"{THRESHOLD_WORDS.get(threshold, threshold.replace('_', ' '))} at tier {d['tier']}: "
                f"{threshold_value(threshold, d['default_value'])} (default) → "
                f"{threshold_value(threshold, d['policy_value'])}")
    return f"policy deviation ({d['direction'].replace('_', ' ')}): {what}"


def render_csv(con: duckdb.DuckDBPyConnection) -> str:
    """Findings, then one row per policy deviation (record_type tells them apart)."""
    records = [{"record_type": "finding", **r} for r in _clean(rows(
        con, "SELECT * EXCLUDE (remediation) FROM findings ORDER BY system_id, check_id, resource"))]
    fieldnames = list(records[0]) if records else ["record_type", "finding_id", "check_id", "system_id", "tier",
                                                   "resource", "status", "reason", "observed", "expected",
                                                   "evidence"]
    for d in _clean(rows(con, "SELECT * FROM policy_deviation_report")):
        records.append({"record_type": "policy_deviation", "check_id": None, "system_id": d["system_id"],
                        "tier": d["tier"], "resource": d["threshold"], "status": d["direction"],
                        "reason": deviation_text(d), "observed": d["policy_value"], "expected": d["default_value"],
                        "evidence": d["source_file"]})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fieldnames, restval="")
    writer.writeheader()
    for record in records:
        writer.writerow({k: ";".join(map(str, v)) if isinstance(v, list) else v for k, v in record.items()})
    return buffer.getvalue()


def _md_cell(value: Any) -> str:
    if value is None or value == []:
        return MISSING
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(records: list[dict[str, Any]], columns: dict[str, Any]) -> list[str]:
    """A Markdown table; `columns` maps each header people read to a record's key or a function of the record."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in records:
        cells = [_md_cell(r[how] if isinstance(how, str) else how(r)) for how in columns.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _tier_cell(system: dict[str, Any]) -> str:
    if system["derived_tier"] != system["effective_tier"]:
        return f"{system['effective_tier']} (derived {system['derived_tier']})"
    return str(system["effective_tier"])


def _verdict_word(verdict: str) -> str:
    return VERDICT_WORDS[verdict]


def render_markdown(con: duckdb.DuckDBPyConnection) -> str:
    report = build_report(con)
    s = report["summary"]
    titles = dict(con.execute("SELECT check_id, title FROM check_catalog").fetchall())
    out = [
        f"# MCP Clearance report — as of {report['as_of']}",
        "",
        f"{s['systems']} systems: **{s['cleared']} cleared**, **{s['read_only']} read-only**, "
        f"**{s['blocked']} blocked** ({s['insufficient_evidence']} with insufficient evidence). "
        f"After accepted risk: {s['cleared_after_risk']} cleared, {s['read_only_after_risk']} read-only, "
        f"{s['blocked_after_risk']} blocked. On average {s['evidence_coverage']:.0%} of the evidence the checks need "
        f"was present; {plural(s['open_findings'], 'open finding')}; "
        f"{plural(s['quarantined_records'], 'input record')} quarantined.",
        "",
    ]
    if report["policy_deviations"]:
        out += ["## Policy changed from the defaults", ""]
        out += [f"- {deviation_text(d)}" for d in report["policy_deviations"]]
        out.append("")
    out += ["## Verdicts", ""]
    out += _md_table(report["systems"], {
        "System": "system_id", "Business unit": "business_unit", "Tier": _tier_cell, "Why this tier": "tier_reason",
        "Verdict": lambda r: _verdict_word(r["verdict"]),
        "After accepted risk": lambda r: _verdict_word(r["verdict_after_risk"]),
        **{gate.capitalize(): (lambda r, g=gate: STATUS_WORDS.get(r[f"{g}_gate"]))
           for gate in ("identity", "scope", "audit")},
        "Reason": "reason"})
    out += _markdown_paths(report["systems"])
    out += ["## Findings", ""]
    out += _md_table(report["findings"], {
        "System": "system_id", "Check": lambda r: check_label(r["check_id"], r["title"]), "Severity": "severity",
        "Status": lambda r: STATUS_WORDS[r["status"]], "Resource": "resource", "Reason": "reason",
        "Accepted by exception": "exception_id"})
    out += ["", "## Exceptions", ""]
    # the ones expiring soonest first; records that could not be loaded (no expiry) last
    exceptions = sorted(report["exceptions"], key=lambda r: (r["days_to_expiry"] is None, r["days_to_expiry"] or 0))
    out += _md_table(exceptions, {
        "Exception": "exception_id",
        "Check": lambda r: check_label(r["check_id"], titles.get(r["check_id"])) if r["check_id"] else None,
        "System": "system_id", "State": lambda r: r["state"].replace("_", " "), "Why": "state_reason",
        "Expires": "expires",
        "Expiry": lambda r: None if r["days_to_expiry"] is None else days_text(r["days_to_expiry"])})
    return "\n".join(out) + "\n"


def _markdown_paths(systems: list[dict[str, Any]]) -> list[str]:
    """Each system's steps to its next stage in one line, then each check's remediation once."""
    out = ["", "## Path to clearance", "",
           "The checks to fix for each system to reach its next stage, easiest first; what each fix involves is under "
           "[How to fix each check](#how-to-fix-each-check).", ""]
    remedies: dict[str, dict[str, Any]] = {}
    for system in systems:
        steps = system["path_to_clearance"]
        if not steps:
            continue
        names = "; ".join(f"{check_label(p['check_id'], p['title'])} ({STATUS_WORDS[p['status']].lower()}, "
                          f"{p['effort']} effort)" for p in steps)
        out.append(f"- **{system['system_id']}** ({_verdict_word(system['verdict'])} → "
                   f"{_verdict_word(steps[0]['next_stage'])}): {names}")
        for p in steps:
            remedies.setdefault(p["check_id"], {**p, "systems": []})["systems"].append(system["system_id"])
    out += ["", "## How to fix each check", ""]
    for check_id in sorted(remedies):
        r = remedies[check_id]
        out += [f"### {check_label(check_id, r['title'])}", "",
                f"Effort {r['effort']}; on the path of {plural(len(r['systems']), 'system')}: "
                f"{', '.join(r['systems'])}.", "", r["remediation"], ""]
    return out


def _location(evidence: str | None) -> list[dict[str, Any]]:
    if not evidence:
        return []
    first = evidence.split(",")[0].strip()
    file, _, line = first.rpartition(":")
    if not file or not line.isdigit():
        file, line = first, ""
    region = {"region": {"startLine": int(line)}} if line.isdigit() and int(line) > 0 else {}
    return [{"physicalLocation": {"artifactLocation": {"uri": file, "uriBaseId": "ESTATE"}, **region}}]


def render_sarif(con: duckdb.DuckDBPyConnection) -> str:
    catalog = rows(con, "SELECT * FROM check_catalog ORDER BY check_id")
    index = {c["check_id"]: i for i, c in enumerate(catalog)}
    rules = [{
        "id": c["check_id"],
        "name": c["title"].title().replace(" ", "").replace("-", ""),
        "shortDescription": {"text": c["title"]},
        "fullDescription": {"text": c["rationale"]},
        "help": {"text": c["remediation"]},
        "properties": {"gate": c["gate"], "severity": c["severity"], "effort": c["effort"],
                       "tags": ["mcp", c["gate"]]},
        "defaultConfiguration": {"level": SARIF_LEVEL[c["severity"]]},
    } for c in catalog]
    results = []
    for f in rows(con, "SELECT * FROM findings WHERE status IN ('FAIL', 'UNKNOWN') ORDER BY finding_id"):
        result: dict[str, Any] = {
            "ruleId": f["check_id"],
            "ruleIndex": index[f["check_id"]],
            "level": SARIF_LEVEL[f["severity"]] if f["status"] == "FAIL" else "note",
            "kind": "fail" if f["status"] == "FAIL" else "review",
            "message": {"text": f"[{f['system_id']}] {f['reason']}"},
            "partialFingerprints": {"findingId/v1": f["finding_id"]},
            "properties": {"system": f["system_id"], "tier": f["tier"], "status": f["status"],
                           "resource": f["resource"]},
            "locations": _location(f["evidence"]),
        }
        if f["suppressed"]:
            result["suppressions"] = [{"kind": "external", "status": "accepted",
                                       "justification": f"exception {f['exception_id']}"}]
        results.append(result)
    # a policy deviation judges systems less strictly than the defaults: a result of its own, never hidden
    for d in rows(con, "SELECT * FROM policy_deviation_report WHERE direction <> 'stricter'"):
        results.append({
            "ruleId": POLICY_DEVIATION_RULE["id"],
            "ruleIndex": len(rules),
            "level": "warning",
            "kind": "review",
            "message": {"text": (f"[{d['system_id']}] " if d["system_id"] else "") + deviation_text(d)},
            "properties": {"tier": d["tier"], "threshold": d["threshold"], "default": d["default_value"],
                           "policy": d["policy_value"], "direction": d["direction"], "system": d["system_id"]},
            "locations": _location(d["source_file"]),
        })
    rules.append(POLICY_DEVIATION_RULE)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "mcp-clearance", "version": __version__, "informationUri":
                                "https://github.com/mcp-clearance/mcp-clearance", "rules": rules}},
            "originalUriBaseIds": {"ESTATE": {"description": {"text": "the estate folder"}}},
            "results": results,
        }],
    }
    return json.dumps(sarif, indent=2)


def render(con: duckdb.DuckDBPyConnection, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(build_report(con), indent=2)
    if fmt == "csv":
        return render_csv(con)
    if fmt == "markdown":
        return render_markdown(con)
    if fmt == "html":
        return board_report.render_html(con)
    return render_sarif(con)


def check_system(con: duckdb.DuckDBPyConnection, system_id: str, require: str,
                 after_risk: bool = False) -> tuple[bool, list[str]]:
    """Does the system meet the required stage? Returns (ok, reasons)."""
    found = rows(con, "SELECT * FROM verdicts WHERE system_id = ?", [system_id])
    if not found:
        known = ", ".join(r["system_id"] for r in rows(con, "SELECT system_id FROM verdicts ORDER BY 1 LIMIT 10"))
        return False, [f"unknown system {system_id!r} (known: {known}, ...)"]
    verdict = found[0]["verdict_after_risk" if after_risk else "verdict"]
    tier = _tier_text(found[0])
    if VERDICT_STAGE[verdict] >= STAGES[require]:
        return True, [f"{system_id} is {verdict} ({tier}); {require} required"]
    reasons = [f"{system_id} is {verdict} ({tier}); {require} required: {found[0]['reason']}"]
    for step in rows(con, "SELECT * FROM path_to_clearance WHERE system_id = ? ORDER BY step", [system_id]):
        reasons.append(f"  {step['check_id']} {step['title']} ({step['status']}): {step['remediation']}")
    return False, reasons


def _tier_text(verdict: dict[str, Any]) -> str:
    """'tier 2', or 'tier 3, derived tier 1' when an override moved it."""
    if verdict["derived_tier"] != verdict["effective_tier"]:
        return f"tier {verdict['effective_tier']}, derived tier {verdict['derived_tier']}"
    return f"tier {verdict['effective_tier']}"


def write(text: str, output: Path | None) -> None:
    if output is None:
        print(text, end="" if text.endswith("\n") else "\n")
        return
    if not output.parent.is_dir():
        # the OS says only "No such file or directory", which reads as if the report file itself were missing
        raise FileNotFoundError(errno.ENOENT, f"the folder {output.parent} does not exist; create it first")
    output.write_text(text)
