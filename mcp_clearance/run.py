"""One run: ingest an estate folder into a new DuckDB file, then publish it atomically."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from mcp_clearance.estate import INVENTORY_FILE
from mcp_clearance.evaluate import evaluate
from mcp_clearance.pipelines import audit, credentials, inventory, tool_listings
from mcp_clearance.pipelines import connectors as connector_formats
from mcp_clearance.pipelines.base import LoadContext, first_line, load_family
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import SCHEMA_VERSION, create_schema

FAMILIES = ("inventory", "connectors", "tool_listings", "credentials", "audit")


class EstateNotFound(Exception):
    """The estate folder does not exist or has no inventory."""


@dataclass
class FamilyStats:
    family: str
    files: int = 0
    rows: int = 0
    quarantined: int = 0


@dataclass
class RunResult:
    db: Path | None
    as_of: date
    families: dict[str, FamilyStats] = field(default_factory=dict)
    quarantine: list[tuple[str, str, int | None, str]] = field(default_factory=list)
    history_note: str | None = None

    @property
    def quarantined(self) -> int:
        return len(self.quarantine)


ProgressHook = Callable[[str, Path], None]


def ingest(con: duckdb.DuckDBPyConnection, estate: Path, scanner: SecretScanner,
           on_file: ProgressHook | None = None) -> LoadContext:
    """Load every evidence family of `estate` into `con` (schema already created)."""
    ctx = LoadContext(con=con, estate_root=estate, scanner=scanner, on_file=on_file)
    inventory.load(ctx, estate)
    load_family(ctx, "connectors", connector_formats, estate / "connectors")
    tool_listings.load(ctx, estate / "tool_listings")
    load_family(ctx, "credentials", credentials, estate / "credentials")
    load_family(ctx, "audit", audit, estate / "audit")
    # DuckDB's executemany refuses an empty list: a clean estate has nothing quarantined
    if ctx.quarantined:
        con.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?)", ctx.quarantined)
    if ctx.sources:
        con.executemany("INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ctx.sources)
    return ctx


def _check_estate(estate: Path) -> None:
    if not estate.is_dir():
        raise EstateNotFound(f"estate folder not found: {estate}")
    if not (estate / INVENTORY_FILE).is_file():
        raise EstateNotFound(f"{estate} has no {INVENTORY_FILE}; see docs/estate.md for the layout")


def _stats(ctx: LoadContext) -> dict[str, FamilyStats]:
    stats = {name: FamilyStats(name) for name in FAMILIES}
    for _, family, _, rows, *_ in ctx.sources:
        entry = stats.setdefault(family, FamilyStats(family))
        entry.files += 1
        entry.rows += rows
    for _, family, _, _ in ctx.quarantined:
        stats.setdefault(family, FamilyStats(family)).quarantined += 1
    return stats


def run(estate: Path, db: Path, *, as_of: date | None = None, scanner: SecretScanner | None = None,
        on_file: ProgressHook | None = None) -> RunResult:
    """Ingest `estate` and publish the result at `db` in one atomic step."""
    _check_estate(estate)
    as_of = as_of or datetime.now(UTC).date()
    scanner = scanner or SecretScanner.for_installation()
    db.parent.mkdir(parents=True, exist_ok=True)
    staging = db.with_name(f"{db.name}.tmp-{os.getpid()}")
    staging.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(staging))
        try:
            create_schema(con)
            ctx = ingest(con, estate.resolve(), scanner, on_file)
            published_at = datetime.now(UTC).replace(tzinfo=None)
            evaluate(con, run_id=as_of.isoformat(), as_of=as_of, published_at=published_at)
            history_note = carry_history(con, db)
            record_run(con)
            con.execute(
                "CREATE TABLE clearance_meta AS SELECT ? AS schema_version, ?::DATE AS as_of, "
                "?::TIMESTAMP AS published_at",
                [SCHEMA_VERSION, as_of, published_at],
            )
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(staging, db)  # the only moment readers can see a change
    finally:
        staging.unlink(missing_ok=True)
        staging.with_name(staging.name + ".wal").unlink(missing_ok=True)
    return RunResult(db, as_of, _stats(ctx), ctx.quarantined, history_note)


HISTORY_TABLES = ("runs", "findings_history", "verdict_history")


def carry_history(con: duckdb.DuckDBPyConnection, previous: Path) -> str | None:
    """Copy earlier runs from the published database; a run for the same as_of date is replaced.

    Returns a note for the user when the history could not be read (it then starts afresh).
    """
    if not previous.exists():
        return None
    try:
        con.execute("ATTACH ? AS previous (READ_ONLY)", [str(previous)])
    except duckdb.Error as exc:
        return f"previous database {previous} could not be read ({first_line(exc)}); history starts with this run"
    try:
        for table in HISTORY_TABLES:
            columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
            names = ", ".join(columns)
            con.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM previous.{table} "
                "WHERE as_of <> (SELECT as_of FROM run_context)"
            )
    except duckdb.Error as exc:
        for table in HISTORY_TABLES:
            con.execute(f"DELETE FROM {table}")
        return f"history in {previous} has an older layout ({first_line(exc)}); history starts with this run"
    finally:
        con.execute("DETACH previous")
    return None


def record_run(con: duckdb.DuckDBPyConnection) -> None:
    """Snapshot this run's findings and verdicts into the history tables."""
    con.execute("INSERT INTO runs SELECT run_id, as_of, published_at, catalog_hash FROM run_context")
    con.execute("""
        INSERT INTO findings_history
        SELECT r.run_id, r.as_of, f.finding_id, f.check_id, f.system_id, f.resource, f.status, f.suppressed,
               c.check_hash, e.evidence_present
        FROM findings AS f
        CROSS JOIN run_context AS r
        JOIN check_catalog AS c USING (check_id)
        JOIN system_evidence AS e USING (system_id)
    """)
    con.execute("""
        INSERT INTO verdict_history
        SELECT r.run_id, r.as_of, v.system_id, v.tier, v.verdict, v.verdict_after_risk
        FROM verdicts AS v CROSS JOIN run_context AS r
    """)


def validate(estate: Path, *, scanner: SecretScanner | None = None,
             on_file: ProgressHook | None = None) -> RunResult:
    """Parse and validate every input of `estate` in memory; writes nothing."""
    _check_estate(estate)
    con = duckdb.connect()
    try:
        create_schema(con)
        ctx = ingest(con, estate.resolve(), scanner or SecretScanner(os.urandom(32)), on_file)
    finally:
        con.close()
    return RunResult(None, datetime.now(UTC).date(), _stats(ctx), ctx.quarantined)
