"""Read JSON-lines audit files (plain or gzip) with DuckDB alone: every line parsed once, in SQL.

A format reads all of its files in one statement: DuckDB's CSV reader takes the list of files as lines of text (one
column, no quoting, a delimiter that never occurs, `filename = true`), `WITH ORDINALITY` numbers the lines in reading
order across the files, and each file's first number turns that into the file's own line numbers. Each line is parsed
once with `try(from_json(line, <the format's STRUCT>))`; a line that does not parse reads as NULL and is looked at
again, alone, to tell "not valid JSON" from a JSON value that is not an object. No Python loop touches an event and
no table holds the lines: the reader streams into the insert.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from mcp_clearance.pipelines.base import SNIFF_BYTES, LoadContext

MAX_LINE_BYTES = 16 * 1024 * 1024  # longer lines are quarantined, the rest of the file loads
READ_LIMIT_BYTES = 64 * 1024 * 1024  # beyond this the reader gives up and the whole file is quarantined

_CSV_OPTIONS = (f"columns = {{'line': 'VARCHAR'}}, header = false, delim = chr(31), quote = '', escape = '', "
                f"auto_detect = false, max_line_size = {READ_LIMIT_BYTES}, buffer_size = {2 * READ_LIMIT_BYTES}, "
                "strict_mode = false, null_padding = false, filename = true")
# every line of the files in the list parameter: (filename, ordinality, line), numbered in reading order
LINES = f"read_csv(?::VARCHAR[], {_CSV_OPTIONS}) WITH ORDINALITY"
BLANK = "(line IS NULL OR trim(line) = '')"


def parsed(type_json: str) -> str:
    """SQL: the line parsed once into the format's STRUCT; NULL for a line too long or not a JSON object."""
    return f"CASE WHEN strlen(line) <= {MAX_LINE_BYTES} THEN try(from_json(line, '{type_json}')) END"


def line_problem(value: str) -> str:
    """SQL: why a non-blank line is quarantined ('line too long', 'not valid JSON'), or NULL; `value` is `parsed`."""
    return (f"CASE WHEN strlen(line) > {MAX_LINE_BYTES} THEN 'line too long' "
            f"WHEN {value} IS NULL AND NOT json_valid(line) THEN 'not valid JSON' END")


def register_files(ctx: LoadContext, paths: list[Path], table: str) -> list[str]:
    """Temp table `table(filename, source_file, first_line)` naming each file as the reader and `source_file` do.

    Returns the reader's list parameter. `first_line` (the reader's ordinal of the file's first line) is filled by
    the format's survey pass, `set_first_lines`.
    """
    names = [str(p) for p in paths]
    ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (filename VARCHAR, source_file VARCHAR, "
                    "first_line BIGINT)")
    ctx.con.execute(f"INSERT INTO {table} SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), NULL",
                    [names, [ctx.relative(p) for p in paths]])
    return names


def set_first_lines(ctx: LoadContext, files: str, survey: str) -> None:
    """Each file's first reader ordinal, from a survey table with (filename, first_ordinal) rows."""
    ctx.con.execute(f"UPDATE {files} SET first_line = s.first FROM (SELECT filename, min(first_ordinal) AS first "
                    f"FROM {survey} GROUP BY filename) AS s WHERE s.filename = {files}.filename")


def quarantine_surveyed(ctx: LoadContext, survey: str, files: str, paths: list[Path]) -> None:
    """Quarantine the survey's problem rows (filename, line_no, problem) with each file's own line number."""
    by_name = {str(p): p for p in paths}
    for filename, line_no, problem in ctx.con.execute(
            f"SELECT s.filename, s.line_no - f.first_line + 1, s.problem FROM {survey} AS s JOIN {files} AS f "
            "USING (filename) WHERE s.problem IS NOT NULL ORDER BY f.source_file, s.line_no, s.problem").fetchall():
        ctx.quarantine(by_name[filename], "audit", problem, None if line_no is None else int(line_no))


def uncompressed_bytes(path: Path) -> int:
    """The file's size as text: a gzip file's trailer states it (modulo 4 GiB, far above any file read here)."""
    with path.open("rb") as file:
        if file.read(2) != b"\x1f\x8b":
            return path.stat().st_size
        file.seek(-4, 2)
        return int.from_bytes(file.read(4), "little")


def by_size(paths: list[Path], budget: int) -> list[list[Path]]:
    """`paths` in order, cut into groups of at most `budget` bytes of text (a larger file is a group alone)."""
    groups: list[list[Path]] = []
    used = budget
    for path in paths:
        size = uncompressed_bytes(path)
        if used + size > budget:
            groups.append([])
            used = 0
        groups[-1].append(path)
        used += size
    return groups


def drop_work_tables(ctx: LoadContext, *tables: str) -> None:
    """Drop a loader's work tables. In a transaction a failed statement aborted, the caller's ROLLBACK drops them:
    trying here would raise a "transaction is aborted" error in place of the one that says what went wrong."""
    for table in tables:
        try:
            ctx.con.execute(f"DROP TABLE IF EXISTS {table}")
        except duckdb.TransactionException:
            return


def rows_per_file(ctx: LoadContext, table: str, files: str, paths: list[Path]) -> dict[Path, int]:
    """Rows each file has in `table` (a file is loaded once per run, so these are the rows it just added)."""
    counts = dict(ctx.con.execute(f"SELECT source_file, count(*) FROM {table} WHERE source_file IN "
                                  f"(SELECT source_file FROM {files}) GROUP BY ALL").fetchall())
    return {p: int(counts.get(ctx.relative(p), 0)) for p in paths}


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
