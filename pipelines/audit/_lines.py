"""Read a JSON-lines file (plain or gzip) into a temp table of (line_no, doc) with DuckDB alone.

Lines are read as text with DuckDB's CSV reader (one column, no quoting, a delimiter that never
occurs), numbered, validated with json_valid() in SQL and parsed there; invalid lines go to the
quarantine with their line number in one statement. No Python loop touches an event.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import SNIFF_BYTES, BadRecord, LoadContext

MAX_LINE_BYTES = 16 * 1024 * 1024  # longer lines are quarantined, the rest of the file loads
READ_LIMIT_BYTES = 64 * 1024 * 1024  # beyond this the reader gives up and the whole file is quarantined


def read_json_lines(ctx: LoadContext, path: Path, table: str = "audit_lines") -> int:
    """Create temp table `table(line_no, doc JSON)` from the valid lines; quarantine the rest.

    Returns the number of valid lines.
    """
    ctx.con.execute(f"DROP TABLE IF EXISTS {table}")
    ctx.con.execute(
        f"""
        CREATE TEMP TABLE {table}_raw AS
        SELECT row_number() OVER () AS line_no, line
        FROM read_csv(?, columns = {{'line': 'VARCHAR'}}, header = false, delim = chr(31), quote = '',
                      escape = '', auto_detect = false, max_line_size = {READ_LIMIT_BYTES},
                      buffer_size = {2 * READ_LIMIT_BYTES},
                      strict_mode = false, null_padding = false)
        """,
        [str(path)],
    )
    try:
        bad = ctx.con.execute(
            f"""SELECT line_no,
                       CASE WHEN strlen(line) > {MAX_LINE_BYTES} THEN 'line too long'
                            ELSE 'not valid JSON' END
                FROM {table}_raw WHERE line IS NOT NULL AND trim(line) <> ''
                      AND (strlen(line) > {MAX_LINE_BYTES} OR NOT json_valid(line))
                ORDER BY line_no"""
        ).fetchall()
        for line_no, reason in bad:
            ctx.quarantine(path, "audit", reason, int(line_no))
        ctx.con.execute(
            f"""CREATE TEMP TABLE {table} AS
                SELECT line_no, line::JSON AS doc FROM {table}_raw
                WHERE line IS NOT NULL AND trim(line) <> ''
                      AND strlen(line) <= {MAX_LINE_BYTES} AND json_valid(line)"""
        )
    finally:
        ctx.con.execute(f"DROP TABLE IF EXISTS {table}_raw")
    count = ctx.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if count == 0 and not bad:
        raise BadRecord("no JSON records in the file")
    return int(count)


def first_json_line(head: str) -> str:
    for line in head.splitlines():
        if line.strip():
            return line.strip()
    return ""


HEAD_LINES = 2000  # detection looks at most this many lines of the head


def head_json_objects(head: str) -> list[dict[str, Any]]:
    """The complete lines of the head that are JSON objects, in order; lines that do not parse are passed over.

    Detection must survive a cut or corrupt first line, and logs that interleave other records (ToolHive writes
    audit events among its ordinary log lines). When the head fills the whole sniffing window its last line may
    be cut there, so it is left out.
    """
    lines = head.splitlines()
    if len(head) >= SNIFF_BYTES and not head.endswith("\n"):
        lines = lines[:-1]
    objects = []
    for line in lines[:HEAD_LINES]:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict):
            objects.append(doc)
    return objects


def first_json_object(head: str) -> dict[str, Any] | None:
    """The first non-blank line as a JSON object, whatever its key order; None when it is not one."""
    try:
        doc = json.loads(first_json_line(head))
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def policy_decision(value_sql: str) -> str:
    """SQL normalising a logged policy decision: the denial and approval spellings of gateways and guardrails
    become `deny` / `allow` (SC-07 counts denials); anything else is kept, lower-cased; NULL stays NULL."""
    return (f"CASE WHEN lower({value_sql}) IN ('deny', 'denied', 'block', 'blocked', 'reject', 'rejected', "
            f"'forbid', 'forbidden') THEN 'deny' "
            f"WHEN lower({value_sql}) IN ('allow', 'allowed', 'permit', 'permitted', 'pass', 'approved') THEN 'allow' "
            f"ELSE lower({value_sql}) END")
