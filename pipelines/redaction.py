"""Secret redaction of loaded audit (and credential) tables, in SQL: one set-based step per string column.

Audit tables hold millions of rows, so their strings (a ToolHive `target.resource` of
`postgres://user:pw@host/db`, a URL with `?access_token=`) are not classified one by one in Python:
after the audit family loads, `redact_loaded_audit` rewrites every VARCHAR and VARCHAR[] column
with DuckDB's RE2 regular expressions. The redacted form is the Python scanner's contract,
`<public prefix>****[<kind>, <N> chars]`, built from the same token formats and public prefixes
(mcp_clearance.secrets.TOKEN_FORMATS, PUBLIC_PREFIX).

What SQL does not do: keyed fingerprints (DuckDB has no HMAC, and an unkeyed hash of a secret would
let anyone confirm a guess), the name-by-word-parts rule and entropy tests. Audit strings are free
text, not values under a name, so the shape, URL and `name=value` rules below are the ones that
apply; a secret they miss in an audit string stays as logged (docs/secrets.md says so).
"""

from __future__ import annotations

import duckdb

from mcp_clearance.secrets import PUBLIC_PREFIX, TOKEN_FORMATS

# The audit tables, and the credential inventory (a token pasted into a description or an id column).
AUDIT_TABLES = ("tool_calls", "target_events", "credentials")
# Columns our own loaders write from fixed text or already-redacted paths.
_SKIPPED_COLUMNS = {"source_format", "source_file"}

_NAME_KEYWORDS = (r"(?:token|secret|password|passwd|pwd|pass|apikey|api_key|api-key|key|sig|signature|auth|credential"
                  r"|session|jwt|code)")
_CREDENTIAL = r"[^\s\"',;&*\[\]]"

# (kind, RE2 pattern with three groups: kept text before, the secret, kept text after).
_RULES: list[tuple[str, str]] = [
    ("private_key", r"()(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$))()"),
    ("token", r"(^|[^A-Za-z0-9])(" + "|".join(f.body for f in TOKEN_FORMATS) + r")()"),
    ("bearer", r"(?i)((?:^|[^A-Za-z0-9])(?:bearer|basic|token)\s+)(" + _CREDENTIAL + r"{8,})()"),
    ("url_password", r"([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/?#@]*:)([^\s/?#@\"'<>*\[]+)(@)"),
    ("url_token", r"(?i)([?&#;][A-Za-z0-9_.\-]*" + _NAME_KEYWORDS + r"[A-Za-z0-9_.\-]*=)([^&#\s\"'<>*\[]+)()"),
    ("secret_named_key", r"(?i)((?:^|[^A-Za-z0-9_.\-])[A-Za-z0-9_.\-]*(?:password|passwd|secret|token|apikey|api_key"
                         r"|api-key|pwd)[A-Za-z0-9_.\-]*[\"']?[ \t]*[=:][ \t]*[\"']?)(" + _CREDENTIAL + r"{4,})()"),
]


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _kind_sql(kind: str, secret: str) -> str:
    """The kind of a matched secret: for the token rule, the first format whose body matches it."""
    if kind != "token":
        return _sql_text(kind)
    cases = " ".join(f"WHEN regexp_full_match({secret}, {_sql_text(f.body)}) THEN {_sql_text(f.kind)}"
                     for f in TOKEN_FORMATS)
    return f"CASE {cases} ELSE 'token' END"


def _rule_sql(expr: str, kind: str, pattern: str) -> str:
    """`expr` with every match of one rule replaced by its redacted form (kept context untouched)."""
    pat = _sql_text(pattern)
    secret = f"regexp_extract(m, {pat}, 2)"
    shown = (f"regexp_extract(m, {pat}, 1) || coalesce(regexp_extract({secret}, {_sql_text(PUBLIC_PREFIX)}), '') "
             f"|| '****[' || {_kind_sql(kind, secret)} || ', ' || length({secret}) || ' chars]' "
             f"|| regexp_extract(m, {pat}, 3)")
    return (f"list_reduce(list_prepend({expr}, regexp_extract_all({expr}, {pat}, 0)), "
            f"lambda acc, m: replace(acc, m, {shown}))")


def redact_sql(column: str) -> list[tuple[str, str]]:
    """(filter, expression) per rule: where the rule matches `column`, the column with it applied.

    One statement per rule keeps each expression small (nesting the rules would repeat the column
    in every level); applied in order, they give the same result as all rules at once.
    """
    return [(f"regexp_matches({column}, {_sql_text(pattern)})", _rule_sql(column, kind, pattern))
            for kind, pattern in _RULES]


_ANY_RULE = "|".join(f"(?:{pattern})" for _, pattern in _RULES)


def redact_loaded_audit(con: duckdb.DuckDBPyConnection) -> int:
    """Redact every string column of the audit tables in place; returns how many values were rewritten.

    Per column, one scan picks the rows any rule matches (few: most audit strings hold no secret);
    the rules then rewrite only those, and one join writes them back.
    """
    return sum(redact_table(con, table, skipped=_SKIPPED_COLUMNS) for table in AUDIT_TABLES)


def redact_table(con: duckdb.DuckDBPyConnection, table: str, *, skipped: set[str] | frozenset[str] = frozenset()
                 ) -> int:
    """Redact every VARCHAR and VARCHAR[] column of `table` (but `skipped`) in place; how many values changed."""
    changed = 0
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
        "AND data_type IN ('VARCHAR', 'VARCHAR[]') ORDER BY ordinal_position", [table]
    ).fetchall()
    for column, data_type in columns:
        if column not in skipped:
            changed += _redact_column(con, table, f'"{column}"', is_list=data_type != "VARCHAR")
    return changed


def _redact_column(con: duckdb.DuckDBPyConnection, table: str, column: str, *, is_list: bool) -> int:
    text = f"array_to_string({column}, chr(10))" if is_list else column
    con.execute(f"CREATE OR REPLACE TEMP TABLE redaction_candidates AS SELECT rowid AS rid, {column} AS v "
                f"FROM {table} WHERE regexp_matches({text}, {_sql_text(_ANY_RULE)})")
    try:
        count = con.execute("SELECT count(*) FROM redaction_candidates").fetchone()
        if not count or not count[0]:
            return 0
        for where, expr in redact_sql("x" if is_list else "v"):
            if is_list:
                con.execute(f"UPDATE redaction_candidates SET v = list_transform(v, lambda x: {expr}) "
                            f"WHERE list_bool_or(list_transform(v, lambda x: coalesce({where}, false)))")
            else:
                con.execute(f"UPDATE redaction_candidates SET v = {expr} WHERE {where}")
        con.execute(f"UPDATE {table} SET {column} = c.v FROM redaction_candidates AS c WHERE {table}.rowid = c.rid")
        return int(count[0])
    finally:
        con.execute("DROP TABLE IF EXISTS redaction_candidates")
