"""DuckDB view definitions of queries/ as Spark SQL: sqlglot's DuckDB → Spark translation, plus the few rewrites
sqlglot leaves as DuckDB-only syntax. Each rewrite keeps DuckDB's meaning exactly; anything outside what a
rewrite covers raises Untranslatable instead of producing Spark SQL that means something else.
"""

from __future__ import annotations

import re
from graphlib import TopologicalSorter
from pathlib import Path

import sqlglot
from sqlglot import exp

# DuckDB's time_bucket origin for sub-month widths (2000-01-03 00:00:00, a Monday), in epoch microseconds
TIME_BUCKET_ORIGIN_US = 946_857_600_000_000
MICROSECONDS = {"SECOND": 1_000_000, "MINUTE": 60_000_000, "HOUR": 3_600_000_000, "DAY": 86_400_000_000}


class Untranslatable(Exception):
    """A view uses DuckDB syntax with no exact Spark equivalent here; rewrite it portably in queries/."""


def view_select(sql: str, name: str) -> exp.Query:
    """The SELECT of the one `CREATE [OR REPLACE] VIEW name AS ...` statement a queries/ file holds."""
    statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    if len(statements) != 1 or not isinstance(statements[0], exp.Create) or statements[0].kind != "VIEW" \
            or statements[0].this.name != name:
        raise Untranslatable(f"{name}.sql is not one CREATE VIEW {name} statement")
    return statements[0].expression


def referenced_tables(query: exp.Query) -> set[str]:
    """Tables and views a query reads, without its own CTE names."""
    ctes = {cte.alias for cte in query.find_all(exp.CTE)}
    return {table.name for table in query.find_all(exp.Table) if table.name and table.name not in ctes}


def views_needed(targets: tuple[str, ...], folder: Path) -> list[str]:
    """`targets` and every queries/ view they read, dependencies first."""
    graph: dict[str, set[str]] = {}
    pending = list(targets)
    while pending:
        name = pending.pop()
        if name in graph:
            continue
        path = folder / f"{name}.sql"
        if not path.is_file():
            raise Untranslatable(f"view {name} has no file {name}.sql in {folder}")
        graph[name] = {ref for ref in referenced_tables(view_select(path.read_text(), name))
                       if (folder / f"{ref}.sql").is_file()}
        pending.extend(graph[name])
    return list(TopologicalSorter(graph).static_order())


def _interval_microseconds(interval: exp.Expression) -> int:
    if not (isinstance(interval, exp.Interval) and isinstance(interval.this, exp.Literal)
            and interval.this.name.isdigit()):
        raise Untranslatable("time_bucket needs a constant INTERVAL width")
    unit = interval.unit.name.upper().rstrip("S") if interval.unit else ""
    if unit not in MICROSECONDS:
        raise Untranslatable(f"time_bucket width in {unit or 'no unit'} is not translated")
    return int(interval.this.name) * MICROSECONDS[unit]


def _time_bucket(node: exp.DateBin) -> exp.Expression:
    """time_bucket(width, ts) → the bucket start on DuckDB's origin, as a TIMESTAMP_NTZ (session time zone UTC)."""
    if node.args.get("zone") or node.args.get("origin"):
        raise Untranslatable("time_bucket with an origin or time zone is not translated")
    width = _interval_microseconds(node.this)
    since_origin = f"(unix_micros(CAST({node.expression.sql('spark')} AS TIMESTAMP)) - {TIME_BUCKET_ORIGIN_US})"
    # pmod is never negative: subtracting it rounds down in whole microseconds, also before the origin
    return sqlglot.parse_one(
        f"CAST(timestamp_micros({since_origin} - pmod({since_origin}, {width}) + {TIME_BUCKET_ORIGIN_US})"
        " AS TIMESTAMP_NTZ)", read="spark")


def _glob_regex(pattern: exp.Expression) -> exp.Expression:
    """A DuckDB GLOB pattern as an anchored regex: `*` any run of characters, `?` one, `[...]`/`[!...]` classes,
    and a backslash makes the next character literal (it stays in place: a regex reads it the same way)."""
    unescaped = r"(?<!\\)"
    escaped = exp.func("regexp_replace", pattern, exp.Literal.string(unescaped + r"([.+^$(){}|])"),
                       exp.Literal.string(r"\\$1"))
    for glob, regex in ((unescaped + r"\*", ".*"), (unescaped + r"\?", "."), (unescaped + r"\[!", "[^")):
        escaped = exp.func("regexp_replace", escaped, exp.Literal.string(glob), exp.Literal.string(regex))
    return exp.func("concat", exp.Literal.string("^(?s)"), escaped, exp.Literal.string("$"))


def _slice(node: exp.Bracket) -> exp.Expression:
    """list[a:b] (1-based, both ends inclusive) → slice(list, a, b - a + 1). Lists only: strings do not slice."""
    bounds = node.expressions[0]
    start, end = bounds.this, bounds.expression
    if not (start is not None and start.is_int and int(start.name) >= 1 and end is not None) \
            or bounds.args.get("step"):
        raise Untranslatable("only list[constant >= 1 : end] slices are translated")
    length = exp.paren(exp.Sub(this=end.copy(), expression=exp.Literal.number(int(start.name) - 1)), copy=False)
    return exp.func("slice", node.this.copy(), start.copy(), length)


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.DateBin):
        return _time_bucket(node)
    if isinstance(node, exp.Glob):
        return exp.RegexpLike(this=node.this.copy(), expression=_glob_regex(node.expression.copy()))
    if isinstance(node, exp.ToDays):
        return exp.func("make_interval", *(exp.Literal.number(0) for _ in range(3)), node.this.copy())
    if isinstance(node, exp.Bracket) and node.expressions and isinstance(node.expressions[0], exp.Slice):
        return _slice(node)
    if isinstance(node, exp.ArrayOverlaps):
        return exp.func("arrays_overlap", node.this.copy(), node.expression.copy())
    if isinstance(node, exp.Length) and not isinstance(node.this, exp.Literal):
        # DuckDB's len() takes a string or a list and sqlglot cannot tell which: queries/ says array_length
        raise Untranslatable("len() is ambiguous in Spark: write array_length(list) or length(string)")
    if isinstance(node, exp.Join) and isinstance(node.this, exp.Unnest):
        # CROSS JOIN unnest(list) AS f(x): a lateral explode in the same place, so later joins still see f
        unnest = node.this
        if len(unnest.expressions) != 1 or unnest.args.get("offset"):
            raise Untranslatable("only a single-list unnest without ordinality is translated")
        node.set("this", exp.Lateral(this=exp.Explode(this=unnest.expressions[0].copy()),
                                     alias=unnest.args["alias"].copy()))
    return node


def to_spark(sql: str, name: str) -> str:
    """Spark SQL for the SELECT that defines view `name` in its queries/ file."""
    query = view_select(sql, name).transform(_rewrite)
    try:
        spark_sql = query.sql("spark", comments=False, unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as exc:
        raise Untranslatable(f"{name}.sql: {exc}") from None
    leftovers = re.findall(r"\b(GLOB|DATE_BIN|TO_DAYS|LIST_\w+)\b", spark_sql)
    if leftovers:
        raise Untranslatable(f"{name}.sql: DuckDB syntax left after translation: {', '.join(sorted(set(leftovers)))}")
    return spark_sql
