"""One run: ingest an estate folder into a new DuckDB file, then publish it atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from mcp_clearance import store
from mcp_clearance.estate import INVENTORY_FILE
from mcp_clearance.evaluate import MATERIALISED_VIEWS, evaluate
from mcp_clearance.incremental import PREVIOUS, Reuse, attach_previous, evidence_fingerprint
from mcp_clearance.pipelines import audit, credentials, inventory, tool_listings
from mcp_clearance.pipelines import connectors as connector_formats
from mcp_clearance.pipelines.base import MEMORY_LIMIT_VARIABLE, LoadContext, OutOfMemory, first_line, load_family
from mcp_clearance.pipelines.redaction import redact_loaded_audit
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import SCHEMA_VERSION, create_schema

FAMILIES = ("inventory", "connectors", "tool_listings", "credentials", "audit")

# DuckDB's resources for a run, set deliberately (docs/limits.md): a bounded buffer pool that spills to the staging
# folder (deleted with the staging file) instead of growing with the estate; threads as many as the CPUs this process
# may use; and no insertion order kept, which lets the readers and inserts stream in parallel (every query that needs
# an order says ORDER BY). Running out of memory stops the run (base.OutOfMemory), it never quarantines evidence.
DEFAULT_MEMORY_LIMIT = "1GB"
THREADS_VARIABLE = "MCP_CLEARANCE_THREADS"


def duckdb_config(spill_folder: Path) -> dict[str, str]:
    threads = os.environ.get(THREADS_VARIABLE) or str(len(os.sched_getaffinity(0)))
    return {"memory_limit": os.environ.get(MEMORY_LIMIT_VARIABLE) or DEFAULT_MEMORY_LIMIT, "threads": threads,
            "temp_directory": str(spill_folder), "preserve_insertion_order": "false"}


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
    # what the publication had to do about leftovers of other writers and killed runs
    notes: list[str] = field(default_factory=list)
    reused_files: int = 0  # unchanged files whose rows were copied from the published run instead of read
    reuse_note: str | None = None  # why files were, or were not, reused (None: no published run to reuse)
    # systems, cleared, read_only, blocked, insufficient_evidence of the evaluated run (estate_summary)
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def quarantined(self) -> int:
        return len(self.quarantine)


ProgressHook = Callable[[str, Path], None]


# the columns of LoadContext.quarantined and LoadContext.sources rows, in the tables' order
QUARANTINE_COLUMNS = ("source_file", "family", "line", "reason")
SOURCES_COLUMNS = ("source_file", "family", "format", "rows_loaded", "rows_quarantined", "bytes", "sha256",
                   "rows_skipped")


def ingest(con: duckdb.DuckDBPyConnection, estate: Path, scanner: SecretScanner,
           on_file: ProgressHook | None = None, reuse: Reuse | None = None) -> LoadContext:
    """Load every evidence family of `estate` into `con` (schema already created).

    With `reuse`, files unchanged since the published run are not read: their rows are copied from it.
    """
    ctx = LoadContext(con=con, estate_root=estate, scanner=scanner, on_file=on_file, reuse=reuse)
    inventory.load(ctx, estate)
    load_family(ctx, "connectors", connector_formats, estate / "connectors")
    tool_listings.load(ctx, estate / "tool_listings")
    load_family(ctx, "credentials", credentials, estate / "credentials")
    load_family(ctx, "audit", audit, estate / "audit")
    redact_loaded_audit(con)  # audit strings (URLs with userinfo, tokens) are redacted in SQL, before storage
    if reuse is not None:
        reuse.copy_rows(con)  # after redaction: these rows were redacted when their files were read
    # one statement each (executemany runs one per row: seconds for an estate of thousands of files)
    ctx.insert_rows("quarantine", [dict(zip(QUARANTINE_COLUMNS, row, strict=True)) for row in ctx.quarantined])
    ctx.insert_rows("sources", [dict(zip(SOURCES_COLUMNS, row, strict=True)) for row in ctx.sources])
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
        on_file: ProgressHook | None = None, lock_timeout: float | None = None,
        on_wait: Callable[[str], None] | None = None, full: bool = False,
        reduced: Path | None = None) -> RunResult:
    """Ingest `estate` and publish the result at `db` in one atomic step (see store.py for what is guaranteed).

    Files unchanged since the run published at `db` are not read again (mcp_clearance.incremental); `full` reads
    every file. `reduced`: load the materialised views from this Spark reduction (docs/scale.md) instead of
    computing them. Waits for another run publishing to `db` (`on_wait` is told once), at most `lock_timeout`
    seconds when given.
    Raises store.PublishError (DiskFull, LockTimeout, DatabaseBusy) when nothing was published.
    """
    _check_estate(estate)
    as_of = as_of or datetime.now(UTC).date()
    if reduced is not None:  # refused before the ingest, not after it
        from mcp_clearance.spark.reduced import check_reduction

        check_reduction(reduced, as_of, MATERIALISED_VIEWS)
    scanner = scanner or SecretScanner.for_installation()
    db.parent.mkdir(parents=True, exist_ok=True)
    with store.disk_full_reported(db), store.publish_lock(db, timeout=lock_timeout, on_wait=on_wait):
        removed = store.remove_stale_staging(db)
        previous = store.PreviousDatabase.inspect(db)
        notes = list(previous.notes)
        if removed:
            notes.append(f"removed {len(removed)} staging file(s) left by killed runs: "
                         + ", ".join(p.name for p in removed))
        staging = store.staging_path(db)
        try:
            con = duckdb.connect(str(staging), config=duckdb_config(spill_folder(staging)))
            try:
                create_schema(con)
                fingerprint = evidence_fingerprint(scanner)
                reuse, reuse_note = _reusable(con, previous, fingerprint, full)
                # the loaders stop on memory per file (base.OutOfMemory); this covers what runs over all of it
                # (redaction, copying reused rows), so no DuckDB traceback reaches the user
                with _memory_stops_the_run("the evidence", "loading"):
                    ctx = ingest(con, estate.resolve(), scanner, on_file, reuse)
                published_at = datetime.now(UTC).replace(tzinfo=None)
                with _memory_stops_the_run("the checks and their history", "evaluating"):
                    evaluate(con, run_id=as_of.isoformat(), as_of=as_of, published_at=published_at,
                             reduced=reduced)
                    history_note = _carry_or_keep_aside(con, previous)
                    record_run(con)
                with _memory_stops_the_run("the run", "writing"):
                    con.execute(
                        "CREATE TABLE clearance_meta AS SELECT ? AS schema_version, ?::DATE AS as_of, "
                        "?::TIMESTAMP AS published_at, ?::VARCHAR AS evidence_fingerprint",
                        [SCHEMA_VERSION, as_of, published_at, fingerprint],
                    )
                    verdicts = con.execute("SELECT count(*) FROM verdicts").fetchone()[0]
                    totals = verdict_totals(con)
                    con.execute("CHECKPOINT")
            finally:
                con.close()
            store.publish(staging, db, previous, store.RunIdentity(SCHEMA_VERSION, as_of, published_at, verdicts))
        finally:
            _remove_staging(staging)
    return RunResult(db, as_of, _stats(ctx), ctx.quarantined, history_note, notes,
                     len(reuse.carried) if reuse else 0, reuse_note, totals)


def _reusable(con: duckdb.DuckDBPyConnection, previous: store.PreviousDatabase, fingerprint: str,
              full: bool) -> tuple[Reuse | None, str | None]:
    """What this run may copy from the published database instead of reading, and why (not)."""
    if not previous.db.exists():
        return None, None
    if full:
        return None, "every file read (--full)"
    if not previous.readable:
        return None, f"every file read: {previous.db.name} could not be read"
    return Reuse.from_published(con, previous.db, fingerprint)


@contextmanager
def _memory_stops_the_run(what: str, doing: str) -> Iterator[None]:
    """DuckDB or Python out of memory inside the block stops the run with OutOfMemory (exit 2, nothing published)."""
    try:
        yield
    except (duckdb.OutOfMemoryException, MemoryError):
        raise OutOfMemory(what, doing=doing) from None


def spill_folder(staging: Path) -> Path:
    return staging.with_name(staging.name + ".tmp")


def verdict_totals(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    row = con.execute("SELECT systems, cleared, read_only, blocked, insufficient_evidence FROM estate_summary").df()
    return {name: int(value) for name, value in row.iloc[0].items()}


def _remove_staging(staging: Path) -> None:
    staging.unlink(missing_ok=True)
    staging.with_name(staging.name + ".wal").unlink(missing_ok=True)
    shutil.rmtree(spill_folder(staging), ignore_errors=True)  # DuckDB's spill folder


HISTORY_TABLES = ("runs", "findings_history", "verdict_history")


def _carry_or_keep_aside(con: duckdb.DuckDBPyConnection, previous: store.PreviousDatabase) -> str | None:
    """Carry the previous run's history; when it cannot be, keep the previous file aside and say so."""
    if not previous.db.exists():
        return None
    if not previous.readable:
        kept = previous.keep_aside("corrupt")
        return (f"previous database {previous.db} could not be read ({previous.problem}); kept as {kept.name}; "
                "history starts with this run")
    reason = carry_history(con, previous.db)
    if reason is None:
        return None
    kept = previous.keep_aside("old-layout")
    return f"history in {previous.db} was not carried ({reason}); kept as {kept.name}; history starts with this run"


def carry_history(con: duckdb.DuckDBPyConnection, previous: Path) -> str | None:
    """Copy earlier runs from the published database (with its WAL); a run for the same as_of date is replaced.

    Returns why the history could not be carried (it then starts afresh), or None. The layout is compared before
    copying, so an error while copying (a full disk) is raised rather than mistaken for an old layout.
    """
    try:
        attach_previous(con, previous)
    except duckdb.Error as exc:
        return f"it could not be read: {first_line(exc)}"
    try:
        for table in HISTORY_TABLES:
            columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
            theirs = {r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = ?",
                [PREVIOUS, table]).fetchall()}
            missing = [c for c in columns if c not in theirs]
            if missing:
                return f"it has an older layout: {table} lacks {', '.join(missing)}"
        for table in HISTORY_TABLES:
            names = ", ".join(r[0] for r in con.execute(f"DESCRIBE {table}").fetchall())
            con.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM {PREVIOUS}.{table} "
                "WHERE as_of <> (SELECT as_of FROM run_context)"
            )
    finally:
        con.execute(f"DETACH {PREVIOUS}")
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
    """Parse and validate every input of `estate` in memory, and evaluate it there (the verdicts a run would
    publish today); writes nothing."""
    _check_estate(estate)
    today = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="mcp-clearance-validate-") as spill:
        con = duckdb.connect(config=duckdb_config(Path(spill)))
        try:
            create_schema(con)
            ctx = ingest(con, estate.resolve(), scanner or SecretScanner(os.urandom(32)), on_file)
            evaluate(con, run_id=today.date().isoformat(), as_of=today.date(),
                     published_at=today.replace(tzinfo=None))
            totals = verdict_totals(con)
        finally:
            con.close()
    return RunResult(None, today.date(), _stats(ctx), ctx.quarantined, totals=totals)
