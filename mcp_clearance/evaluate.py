"""Judge every system: run each check's SQL, then let the views in queries/ derive the verdicts.

A check is two files in checks/: `<ID>.yaml` (metadata) and `<ID>.sql` (a SELECT returning
system_id, resource, status, reason, observed, expected, evidence). Nothing here lists checks;
adding one is adding its files. A check that cannot run, or returns nothing for a system, yields
UNKNOWN for that system: missing evidence never passes.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import duckdb

from mcp_clearance.catalog import (
    CheckMeta,
    Framework,
    default_checks_dir,
    default_frameworks_dir,
    load_checks,
    load_frameworks,
)

STATUSES = ("PASS", "FAIL", "UNKNOWN", "NOT_APPLICABLE")


def evaluation_schema() -> str:
    return resources.files("mcp_clearance").joinpath("evaluation.sql").read_text()


def queries_dir() -> Path:
    return Path(str(resources.files("mcp_clearance.queries")))


def create_views(con: duckdb.DuckDBPyConnection, folder: Path | None = None) -> list[str]:
    """Create every view in queries/, in dependency order (retrying until a pass makes no progress)."""
    pending = {p.stem: p.read_text() for p in sorted((folder or queries_dir()).glob("*.sql"))}
    created: list[str] = []
    while pending:
        before = len(pending)
        errors: dict[str, str] = {}
        for name, sql in list(pending.items()):
            try:
                con.execute(sql)
            except duckdb.CatalogException as exc:  # depends on a view not created yet
                errors[name] = str(exc).splitlines()[0]
                continue
            except duckdb.Error as exc:
                raise RuntimeError(f"view {name} ({name}.sql) is invalid: {str(exc).splitlines()[0]}") from None
            created.append(name)
            del pending[name]
        if len(pending) == before:
            detail = "; ".join(f"{n}: {e}" for n, e in errors.items())
            raise RuntimeError(f"views that cannot be created: {detail}")
    return created


# Intermediate results most checks, record_run and the System page read, in dependency order. Each is
# computed once per run into `<view>_materialised`, and the view of the same name is replaced by a select from
# that table: readers keep the view name, and nobody recomputes the joins over the raw events.
MATERIALISED_VIEWS = ("system_connectors", "tool_calls_resolved", "tool_call_targets", "tool_calls_in_window",
                      "tool_call_daily")


def materialise_views(con: duckdb.DuckDBPyConnection, names: tuple[str, ...] = MATERIALISED_VIEWS, *,
                      reduced: Path | None = None) -> None:
    """Compute each view of `names` once into a table and point the view at it (call after create_views).

    With `reduced`, the tables are loaded from a Spark reduction of the same views (mcp_clearance/spark) instead.
    """
    if reduced is not None:
        from mcp_clearance.spark.reduced import load_reduced

        load_reduced(con, reduced, names)
    for name in names:
        if reduced is None:
            con.execute(f"CREATE OR REPLACE TABLE {name}_materialised AS SELECT * FROM {name}")
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {name}_materialised")


def check_hash(meta: CheckMeta, sql: str) -> str:
    return hashlib.md5((meta.model_dump_json() + sql).encode()).hexdigest()[:12]


def _load_catalog(con: duckdb.DuckDBPyConnection, checks: dict[str, CheckMeta], folder: Path) -> dict[str, str]:
    queries = {}
    rows = []
    for check_id, meta in sorted(checks.items()):
        sql_file = folder / f"{check_id}.sql"
        sql = sql_file.read_text() if sql_file.exists() else ""
        queries[check_id] = sql
        rows.append([check_id, meta.gate, meta.severity, meta.title, meta.rationale, meta.remediation, meta.effort,
                     list(meta.evidence), meta.read_only_relief, check_hash(meta, sql)])
    con.executemany("INSERT INTO check_catalog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return queries


def _load_frameworks(con: duckdb.DuckDBPyConnection, frameworks: list[Framework]) -> None:
    rows = []
    for framework in frameworks:
        for position, req in enumerate(framework.requirements):
            mappings = req.checks or [None]
            for mapping in mappings:
                rows.append([framework.id, framework.name, framework.requirement_attribute, req.id, req.title,
                             req.group, position, mapping.check if mapping else None,
                             mapping.strength if mapping else None])
    con.executemany("INSERT INTO framework_requirements VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _run_check(con: duckdb.DuckDBPyConnection, check_id: str, sql: str) -> str | None:
    """Insert one check's results; returns why it could not run, or None."""
    if not sql.strip():
        return "the check has no query"
    body = sql.strip().rstrip(";")
    try:
        con.execute(
            "INSERT INTO check_results "
            "SELECT ?, system_id, coalesce(resource, system_id), status, reason, observed, expected, evidence, "
            "md5(? || '|' || system_id || '|' || coalesce(resource, system_id)) "
            f"FROM ({body}) AS r",
            [check_id, check_id],
        )
    except duckdb.Error as exc:
        return f"the check query failed: {str(exc).splitlines()[0]}"
    return None


def _run_relief(con: duckdb.DuckDBPyConnection, check_id: str, sql: str) -> None:
    """Re-evaluate a relievable check over the agents' read-only tools alone (view tools_in_scope).

    A re-run that cannot run relieves nothing: every system gets an UNKNOWN relief result.
    """
    body = sql.strip().rstrip(";")
    con.execute("UPDATE relief_scope SET read_only_tools = true")
    try:
        con.execute(
            "INSERT INTO relief_results SELECT ?, system_id, coalesce(resource, system_id), "
            "CASE WHEN status IN ('PASS', 'FAIL', 'UNKNOWN', 'NOT_APPLICABLE') THEN status ELSE 'UNKNOWN' END, "
            f"reason FROM ({body}) AS r", [check_id])
    except duckdb.Error as exc:
        con.execute("DELETE FROM relief_results WHERE check_id = ?", [check_id])
        con.execute("INSERT INTO relief_results SELECT ?, system_id, system_id, 'UNKNOWN', ? FROM systems",
                    [check_id, f"the read-only re-evaluation failed: {str(exc).splitlines()[0]}"])
    finally:
        con.execute("UPDATE relief_scope SET read_only_tools = false")


def evaluate(con: duckdb.DuckDBPyConnection, *, run_id: str, as_of: object, published_at: object,
             checks_dir: Path | None = None, frameworks_dir: Path | None = None, reduced: Path | None = None) -> None:
    """Evaluate the evidence already loaded in `con` and create the named views.

    `reduced`: a folder of materialised views computed on Spark (python -m mcp_clearance.spark reduce).
    """
    checks_dir = checks_dir or default_checks_dir()
    checks = load_checks(checks_dir)
    con.execute(evaluation_schema())
    queries = _load_catalog(con, checks, checks_dir)
    _load_frameworks(con, load_frameworks(frameworks_dir or default_frameworks_dir()))
    catalog_hash = con.execute(
        "SELECT md5(string_agg(check_hash, ',' ORDER BY check_id)) FROM check_catalog").fetchone()
    con.execute("INSERT INTO run_context VALUES (?, ?, ?, ?)", [run_id, as_of, published_at, catalog_hash[0]])
    create_views(con)
    materialise_views(con, reduced=reduced)
    for check_id, sql in queries.items():
        failure = _run_check(con, check_id, sql)
        if failure is not None:
            con.execute("DELETE FROM check_results WHERE check_id = ?", [check_id])
            con.execute(
                "INSERT INTO check_results SELECT ?, system_id, system_id, 'UNKNOWN', ?, NULL, NULL, NULL, "
                "md5(? || '|' || system_id || '|' || system_id) FROM systems",
                [check_id, failure, check_id],
            )
        elif checks[check_id].read_only_relief:
            _run_relief(con, check_id, sql)
    # fail closed: a system a check said nothing about is UNKNOWN for that check, never silently passed
    con.execute("""
        INSERT INTO check_results
        SELECT c.check_id, s.system_id, s.system_id, 'UNKNOWN',
               'no evidence for this check on ' || s.system_id || coalesce(' (missing: ' || nullif(array_to_string(
                   list_filter(c.evidence, lambda x: NOT list_contains(e.evidence_present, x)), ', '), '') || ')', '')
               || CASE WHEN list_contains(c.evidence, 'audit') AND f.stale_reason IS NOT NULL
                       THEN ': ' || f.stale_reason ELSE '' END,
               NULL, NULL, NULL, md5(c.check_id || '|' || s.system_id || '|' || s.system_id)
        FROM check_catalog AS c CROSS JOIN systems AS s
        LEFT JOIN system_evidence AS e USING (system_id)
        LEFT JOIN system_audit_freshness AS f USING (system_id)
        WHERE NOT EXISTS (SELECT 1 FROM check_results AS r WHERE r.check_id = c.check_id AND r.system_id = s.system_id)
    """)
    # a query that returns anything but the four statuses has not proven anything
    con.execute(f"UPDATE check_results SET reason = 'invalid status ' || status || ': ' || reason, "
                f"status = 'UNKNOWN' WHERE status NOT IN {STATUSES}")
