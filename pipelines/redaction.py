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
UNREDACTED_COLUMNS = {"source_format", "source_file"}

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


def _shown_sql(kind: str) -> str:
    """SQL over a match's groups (`kept_before`, `secret`, `kept_after`): the text that replaces the match."""
    return (f"kept_before || coalesce(regexp_extract(secret, {_sql_text(PUBLIC_PREFIX)}), '') || '****[' || "
            f"{_kind_sql(kind, 'secret')} || ', ' || length(secret) || ' chars]' || kept_after")


_ANY_RULE = "|".join(f"(?:{pattern})" for _, pattern in _RULES)


def redact_loaded_audit(con: duckdb.DuckDBPyConnection) -> int:
    """Redact every string column of the audit tables in place; returns how many values were rewritten.

    Per column, one scan picks the rows any rule matches (few: most audit strings hold no secret); the rules then
    rewrite each distinct string of those once, and one join writes them back.
    """
    return sum(redact_table(con, table, skipped=UNREDACTED_COLUMNS) for table in AUDIT_TABLES)


def redact_table(con: duckdb.DuckDBPyConnection, table: str, *, skipped: set[str] | frozenset[str] = frozenset()
                 ) -> int:
    """Redact every VARCHAR and VARCHAR[] column of `table` (but `skipped`) in place; how many values changed.

    One scan tells which columns hold anything a rule matches; only those are rewritten.
    """
    columns = [(f'"{column}"', data_type != "VARCHAR") for column, data_type in con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
        "AND data_type IN ('VARCHAR', 'VARCHAR[]') ORDER BY ordinal_position", [table]
    ).fetchall() if column not in skipped]
    if not columns:
        return 0
    matching = con.execute("SELECT " + ", ".join(f"bool_or({_matches_sql(column, is_list)})" for column, is_list
                                                 in columns) + f" FROM {table}").fetchone() or ()
    changed = 0
    for (column, is_list), found in zip(columns, matching, strict=True):
        if found:
            # read per column: updating a list column moves its rows to new rowids (a delete and an insert), so a
            # range taken before would miss them for the next column
            last_row = con.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]  # type: ignore[index]
            changed += sum(_redact_column(con, table, column, rows, is_list=is_list) for rows in _windows(last_row))
    return changed


# Rows rewritten per UPDATE. DuckDB keeps an update's changed values in memory until the next checkpoint (they do
# not spill), so one statement over a whole 10 M-event table ran out of the run's 1 GB. Outside a transaction
# (the run's redaction step) each window's UPDATE commits on its own, and the checkpoint that follows frees it.
# A row a window's update moves (a list column's) lands past the column's last rowid, already redacted, and is
# not read again.
WINDOW_ROWS = 500_000


def _windows(last_row: int) -> list[range]:
    """The rowids 0 to `last_row` in windows of WINDOW_ROWS."""
    return [range(low, min(low + WINDOW_ROWS, last_row + 1)) for low in range(0, last_row + 1, WINDOW_ROWS)]


def _matches_sql(column: str, is_list: bool) -> str:
    """SQL: whether any rule matches the column's value (a list's elements joined by newlines)."""
    text = f"array_to_string({column}, chr(10))" if is_list else column
    return f"regexp_matches({text}, {_sql_text(_ANY_RULE)})"


_TEMP_TABLES = ("redaction_candidates", "redaction_strings", "redaction_matches")


def _redact_column(con: duckdb.DuckDBPyConnection, table: str, column: str, rows: range, *, is_list: bool) -> int:
    """Redact one column over one window of rowids; how many values changed."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE redaction_candidates AS SELECT rowid AS rid, {column} AS v "
                f"FROM {table} WHERE rowid >= {rows.start} AND rowid < {rows.stop} AND {_matches_sql(column, is_list)}")
    try:
        count = con.execute("SELECT count(*) FROM redaction_candidates").fetchone()
        if not count or not count[0]:
            return 0
        # A logged secret repeats (CloudTrail puts the caller's access key id on every record): each distinct string
        # (a list's elements, for a list column) is rewritten once, and the rows take their strings' rewrites.
        strings = "unnest(v)" if is_list else "v"
        con.execute(f"CREATE OR REPLACE TEMP TABLE redaction_strings AS SELECT DISTINCT {strings} AS original, "
                    f"{strings} AS v FROM redaction_candidates")
        for kind, pattern in _RULES:
            _apply_rule(con, kind, pattern)
        if is_list:
            rewritten = ("SELECT e.rid, list(coalesce(s.v, e.x) ORDER BY e.position) AS v "
                         "FROM (SELECT rid, unnest(v) AS x, generate_subscripts(v, 1) AS position "
                         "      FROM redaction_candidates) AS e "
                         "LEFT JOIN redaction_strings AS s ON s.original = e.x GROUP BY e.rid")
        else:
            rewritten = ("SELECT c.rid, s.v FROM redaction_candidates AS c "
                         "JOIN redaction_strings AS s ON s.original = c.v")
        con.execute(f"UPDATE {table} SET {column} = r.v FROM ({rewritten}) AS r WHERE {table}.rowid = r.rid")
        return int(count[0])
    finally:
        for name in _TEMP_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {name}")


def _apply_rule(con: duckdb.DuckDBPyConnection, kind: str, pattern: str) -> None:
    """Replace every match of one rule in the strings by its redacted form, keeping the context around it.

    The matches' groups are taken apart as rows, outside any lambda: a regular expression inside a lambda is
    evaluated per call, which made the token rule (every format's body in one pattern) cost ~75 us per string.
    """
    pat = _sql_text(pattern)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE redaction_matches AS
        SELECT original, unnest(regexp_extract_all(v, {pat}, 0)) AS matched,
               unnest(regexp_extract_all(v, {pat}, 1)) AS kept_before,
               unnest(regexp_extract_all(v, {pat}, 2)) AS secret,
               unnest(regexp_extract_all(v, {pat}, 3)) AS kept_after,
               unnest(range(len(regexp_extract_all(v, {pat}, 0)))) AS position
        FROM redaction_strings WHERE regexp_matches(v, {pat})""")
    con.execute(f"""
        UPDATE redaction_strings SET v = list_reduce(r.replacements, lambda acc, x: replace(acc, x.matched, x.shown),
                                                     redaction_strings.v)
        FROM (SELECT original, list({{'matched': matched, 'shown': {_shown_sql(kind)}}} ORDER BY position)
                                   AS replacements
              FROM redaction_matches GROUP BY original) AS r
        WHERE redaction_strings.original = r.original""")
