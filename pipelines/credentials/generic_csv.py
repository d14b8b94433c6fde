"""A plain CSV for credentials no vendor format covers (API keys in a secrets manager, SaaS tokens...).

    credential_id,kind,principal,issued_at,expires_at,last_used_at,last_rotated_at,scopes,revoked
    notion-key-7,static_key,svc-notes-agent,2026-01-10,9999-12-31,2026-08-19T10:00:00Z,2026-01-10,read_content;insert_content,false

Detection: a CSV header with `credential_id`, `kind` and `principal` (the only required columns;
other known columns may be left out, unknown ones are ignored).

Times are ISO 8601 dates or timestamps; an offset is converted to UTC, none means UTC already. An
expiry on 9999-12-31 means never (NULL). `scopes` are separated by spaces or semicolons. `revoked`
is true/false (also yes/no, 1/0). lifetime_s = expires_at - issued_at. A row with an unknown kind,
an unparseable time or boolean, a missing id or principal, or an expiry before its issue time is
quarantined with its line; the rest load.
"""

from __future__ import annotations

from pathlib import Path

from mcp_clearance.pipelines.base import LoadContext
from mcp_clearance.pipelines.credentials._common import (
    KINDS,
    NEVER_YEAR,
    csv_header,
    csv_table,
    quarantine_rows,
    sql_text,
    sql_timestamp,
)

FORMAT = "generic_csv"
PRIORITY = 90

REQUIRED = ("credential_id", "kind", "principal")
TIMES = ("issued_at", "expires_at", "last_used_at", "last_rotated_at")
OPTIONAL = (*TIMES, "scopes", "revoked")
TRUE, FALSE = ("true", "yes", "y", "1", "t"), ("false", "no", "n", "0", "f")


def detect(path: Path, head: str) -> bool:
    return set(REQUIRED) <= set(csv_header(head))


def load(ctx: LoadContext, path: Path) -> int:
    with csv_table(ctx, path, REQUIRED) as table:
        present = {c for (c,) in ctx.con.execute(f"SELECT column_name FROM (DESCRIBE {table})").fetchall()}
        rows = _rows(table, present)
        quarantine_rows(ctx, path, rows)
        inserted = ctx.con.execute(
            "INSERT INTO credentials (credential_id, source_format, kind, principal, issued_at, expires_at, "
            "lifetime_s, last_used_at, last_rotated_at, revoked, scopes, source_file, source_line) "
            f"SELECT credential_id, '{FORMAT}', lower(kind), principal, issued_at_ts, expires, "
            "date_diff('second', issued_at_ts, expires), last_used_at_ts, last_rotated_at_ts, "
            f"lower(revoked) IN {TRUE}, scopes_list, ?, _line FROM ({rows}) WHERE problem IS NULL",
            [ctx.relative(path)],
        ).fetchone()
    return int(inserted[0]) if inserted else 0


def _rows(table: str, present: set[str]) -> str:
    """Cleaned rows with parsed times and scopes, and the first problem of each row."""
    text = {c: sql_text(c) if c in present else "NULL::VARCHAR" for c in (*REQUIRED, *OPTIONAL)}
    columns = [f"{sql} AS {c}" for c, sql in text.items()]
    columns += [f"{sql_timestamp(text[c])} AS {c}_ts" for c in TIMES]
    scopes = f"list_filter(regexp_split_to_array({text['scopes']}, '[\\s;]+'), lambda s: s <> '')"
    columns.append(f"nullif({scopes}, []) AS scopes_list")
    problems = [f"WHEN {c} IS NULL THEN 'missing {c}'" for c in REQUIRED]
    # the value itself is never quoted: an unknown kind may be a pasted secret
    problems.append(f"WHEN lower(kind) NOT IN {KINDS} THEN 'unknown `kind` value (not one of the documented kinds)'")
    problems += [f"WHEN {c} IS NOT NULL AND {c}_ts IS NULL THEN 'unparseable timestamp in `{c}`'" for c in TIMES]
    problems.append(f"WHEN revoked IS NOT NULL AND lower(revoked) NOT IN {TRUE + FALSE} "
                    "THEN 'unparseable boolean in `revoked`'")
    problems.append("WHEN expires < issued_at_ts THEN 'expires before it was issued'")
    return (
        f"SELECT *, CASE {' '.join(problems)} END AS problem FROM ("
        f"SELECT *, CASE WHEN year(expires_at_ts) >= {NEVER_YEAR} THEN NULL ELSE expires_at_ts END AS expires FROM ("
        f"SELECT _line, {', '.join(columns)} FROM {table}))"
    )
