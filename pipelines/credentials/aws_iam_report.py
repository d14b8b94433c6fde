"""AWS IAM credential report: the CSV of `GetCredentialReport` (one row per IAM user).

    user,arn,user_creation_time,password_enabled,...,access_key_1_active,access_key_1_last_rotated,...
    mcp-jira-agent,arn:aws:iam::123456789012:user/agents/mcp-jira-agent,2024-11-04T16:20:00+00:00,false,...

Detection: a CSV header with `user`, `arn` and `access_key_1_active`.

Each row gives up to three credentials: access key 1 and 2 (kind static_key) when the key is active
or was ever used, and the console password (kind password) when `password_enabled` is true. The
report holds no key ids, so credential_id is `<arn>#access_key_<n>` / `<arn>#password`. Access keys
never expire on their own: expires_at and lifetime_s stay NULL and issued_at = last_rotated_at =
`access_key_<n>_last_rotated`. A password expires at `password_next_rotation` when the password
policy sets one. `N/A`, `no_information` and `not_supported` mean NULL. The older layout without
the last-used columns (`password_last_used`, `access_key_<n>_last_used_*`) loads with last_used_at
NULL. Signing certificates (`cert_<n>_*`) are not loaded: they serve only legacy SOAP APIs and the
report lacks their expiry.
"""

from __future__ import annotations

from pathlib import Path

from mcp_clearance.pipelines.base import LoadContext
from mcp_clearance.pipelines.credentials._common import (
    csv_header,
    csv_table,
    quarantine_rows,
    sql_text,
    sql_timestamp,
)

FORMAT = "aws_iam_report"
PRIORITY = 10

SENTINELS = ("N/A", "no_information", "not_supported")
FLAGS = ("password_enabled", "access_key_1_active", "access_key_2_active")
TIMES = (
    "password_last_used", "password_last_changed", "password_next_rotation",
    "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_2_last_rotated", "access_key_2_last_used_date",
)
# Columns the older report layout does not have (access-key last use was added to the report in 2015)
LAST_USED = ("password_last_used", "access_key_1_last_used_date", "access_key_2_last_used_date")


def detect(path: Path, head: str) -> bool:
    return {"user", "arn", "access_key_1_active"} <= set(csv_header(head))


def load(ctx: LoadContext, path: Path) -> int:
    with csv_table(ctx, path, ("user", "arn", *FLAGS, *(c for c in TIMES if c not in LAST_USED))) as table:
        present = {c for (c,) in ctx.con.execute(f"SELECT column_name FROM (DESCRIBE {table})").fetchall()}
        rows = _rows(table, present)
        quarantine_rows(ctx, path, rows)
        inserted = ctx.con.execute(_insert(rows), [ctx.relative(path)]).fetchone()
    return int(inserted[0]) if inserted else 0


def _rows(table: str, present: set[str]) -> str:
    """The report's rows with sentinels as NULL, times parsed, and the first problem of each row.

    A last-used column the report's layout lacks reads as NULL.
    """
    text = {c: sql_text(c, SENTINELS) if c in present else "NULL::VARCHAR" for c in ("user", "arn", *FLAGS, *TIMES)}
    problems = ["WHEN \"user\" IS NULL OR arn IS NULL THEN 'row has no user or arn'"]
    problems += [f"WHEN {c} IS NOT NULL AND lower({c}) NOT IN ('true', 'false') THEN 'unparseable boolean in `{c}`'"
                 for c in FLAGS]
    problems += [f"WHEN {c} IS NOT NULL AND {c}_ts IS NULL THEN 'unparseable timestamp in `{c}`'" for c in TIMES]
    problems.append("WHEN password_next_rotation_ts < password_last_changed_ts "
                    "THEN 'password_next_rotation is before password_last_changed'")
    columns = [f'{sql} AS "{c}"' for c, sql in text.items()] + [f"{sql_timestamp(text[c])} AS {c}_ts" for c in TIMES]
    return (
        f"SELECT *, CASE {' '.join(problems)} END AS problem FROM (SELECT _line, {', '.join(columns)} FROM {table})"
    )


def _insert(rows: str) -> str:
    keys = [
        f"SELECT arn || '#access_key_{n}' AS credential_id, 'static_key' AS kind, \"user\" AS principal, "
        f"access_key_{n}_last_rotated_ts AS issued_at, NULL::TIMESTAMP AS expires_at, "
        f"access_key_{n}_last_used_date_ts AS last_used_at, access_key_{n}_last_rotated_ts AS last_rotated_at, "
        f"lower(access_key_{n}_active) = 'true' AS active, _line FROM ({rows}) WHERE problem IS NULL "
        f"AND (lower(access_key_{n}_active) = 'true' OR access_key_{n}_last_used_date IS NOT NULL)"
        for n in (1, 2)
    ]
    password = (
        f"SELECT arn || '#password', 'password', \"user\", password_last_changed_ts, password_next_rotation_ts, "
        f"password_last_used_ts, password_last_changed_ts, TRUE, _line FROM ({rows}) "
        f"WHERE problem IS NULL AND lower(password_enabled) = 'true'"
    )
    return (
        "INSERT INTO credentials (credential_id, kind, principal, issued_at, expires_at, lifetime_s, last_used_at, "
        "last_rotated_at, active, source_file, source_line, source_format) "
        "SELECT credential_id, kind, principal, issued_at, expires_at, date_diff('second', issued_at, expires_at), "
        f"last_used_at, last_rotated_at, active, ?, _line, '{FORMAT}' FROM ({' UNION ALL '.join([*keys, password])})"
    )
