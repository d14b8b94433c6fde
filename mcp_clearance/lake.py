"""The evidence lake: a published run's normalized evidence tables as Parquet, with a manifest (docs/lake.md).

`export(db, out)` reads the published database read-only (the checks every reader makes: it must be a run of this
schema version) and writes

    out/manifest.json                       schema version, as-of date, export time, per table rows and partitioning
    out/<table>/data.parquet                every evidence table of pipelines/schema.sql, and run_context
    out/<audit table>/event_date=YYYY-MM-DD/source_format=<fmt>/data_<n>.parquet   tool_calls and target_events

The audit tables are the ones that grow with traffic, so they are Hive-partitioned: a reader (DuckDB, Spark, a
lake.yaml with since/until) prunes by date and format without opening a file. The lake is written into a staging
folder beside `out` and renamed into place, so nobody reads a half-written lake.

This module is the layout's single definition: the audit loader `pipelines/audit/lake.py` and the Spark reduction
read these constants rather than spelling the layout again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from mcp_clearance import report
from mcp_clearance.store import SCHEMA_VERSION, is_disk_full, schema_sql

MANIFEST = "manifest.json"
DATA_FILE = "data.parquet"
# The audit tables, partitioned by the day of the event (UTC) and the format the events were read from.
PARTITIONED_TABLES = ("tool_calls", "target_events")
PARTITION_COLUMNS = ("event_date", "source_format")
# Hive partition values are text in folder names; read them back with these types (DuckDB `hive_types`, Spark's
# partition inference gives the same: a date and a string). Without them DuckDB would guess per value.
PARTITION_TYPES = {"event_date": "DATE", "source_format": "VARCHAR"}
# Hive's and Spark's name for the partition of a NULL value (an event without a time): DuckDB writes it too.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# What a lake carries besides the evidence: the run context the checks judge against ("today" is its as_of).
RUN_CONTEXT_TABLES = ("run_context",)
# target_events has no format column of its own: its partition is the format of the file the event came from.
UNKNOWN_FORMAT = "unknown"


class ExportError(Exception):
    """The lake could not be written; the message says why. Nothing at the target folder was changed."""


@dataclass(frozen=True)
class TableExport:
    rows: int
    partitioned_by: tuple[str, ...]
    columns: dict[str, str]

    def manifest_entry(self) -> dict[str, Any]:
        return {"rows": self.rows, "partitioned_by": list(self.partitioned_by), "columns": self.columns}


def evidence_tables() -> list[str]:
    """Every table of pipelines/schema.sql, in the order it defines them: the lake holds them all."""
    return re.findall(r"^CREATE TABLE (\w+)", schema_sql(), flags=re.MULTILINE)


def exported_tables() -> list[str]:
    return [*evidence_tables(), *RUN_CONTEXT_TABLES]


def partition_path(event_date: date | None, source_format: str | None) -> str:
    """The folder of one partition, relative to its table folder (how another writer must name it)."""
    day = NULL_PARTITION if event_date is None else event_date.isoformat()
    return f"event_date={day}/source_format={NULL_PARTITION if source_format is None else source_format}"


def _table_sql(table: str) -> str:
    """What is exported for `table`: the table itself, and the partition columns of an audit table."""
    if table == "tool_calls":
        return "SELECT *, occurred_at::DATE AS event_date FROM tool_calls"
    if table == "target_events":
        return (f"SELECT t.*, t.occurred_at::DATE AS event_date, coalesce(s.format, '{UNKNOWN_FORMAT}') "
                "AS source_format FROM target_events AS t "
                "LEFT JOIN (SELECT source_file, any_value(format) AS format FROM sources GROUP BY source_file) AS s "
                "USING (source_file)")
    return f"SELECT * FROM {table}"


def _write_table(con: duckdb.DuckDBPyConnection, table: str, folder: Path) -> TableExport:
    query = _table_sql(table)
    columns = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {query})").fetchall())
    target = folder / table
    target.mkdir()
    if table in PARTITIONED_TABLES:
        # An empty table writes no partition: its folder stays empty and the manifest says 0 rows.
        con.execute(f"COPY ({query}) TO '{_sql_path(target)}' "
                    f"(FORMAT parquet, PARTITION_BY ({', '.join(PARTITION_COLUMNS)}))")
        partitioned_by: tuple[str, ...] = PARTITION_COLUMNS
    else:
        con.execute(f"COPY ({query}) TO '{_sql_path(target / DATA_FILE)}' (FORMAT parquet)")
        partitioned_by = ()
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return TableExport(int(rows[0]) if rows else 0, partitioned_by, columns)


def _sql_path(path: Path) -> str:
    # COPY ... TO takes no parameter: the path is a SQL string literal
    return str(path).replace("'", "''")


def _staging_folder(out: Path) -> Path:
    return out.with_name(f".{out.name}.tmp-{os.getpid()}")


def _check_target(out: Path) -> None:
    """Refuse to replace anything but an earlier lake or an empty folder: `out` is deleted on replacement."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder; choose another --parquet folder")
    if any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise ExportError(f"{out} is a folder that holds no lake (no {MANIFEST}); it is left as it is: choose an "
                          "empty or new --parquet folder")


def export(db: Path, out: Path) -> dict[str, Any]:
    """Write the lake of the run published at `db` to `out` and return its manifest.

    Raises report.DatabaseProblem when `db` holds no readable run of this version, ExportError when `out` cannot
    be written (disk full, an unrelated folder in the way); `out` is then unchanged.
    """
    _check_target(out)
    staging = _staging_folder(out)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with report.open_database(db) as con:
            out.parent.mkdir(parents=True, exist_ok=True)
            staging.mkdir()
            as_of = con.execute("SELECT as_of FROM run_context").fetchone()[0]
            tables = {table: _write_table(con, table, staging) for table in exported_tables()}
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "as_of": as_of.isoformat(),
            "exported_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "partition_types": PARTITION_TYPES,
            "tables": {name: table.manifest_entry() for name, table in tables.items()},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        _replace(staging, out)
    except (duckdb.Error, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if is_disk_full(exc):
            raise ExportError(f"disk full while writing the lake {out}; it is unchanged") from None
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write the lake {out}: {exc.strerror or type(exc).__name__}; it is "
                              "unchanged") from None
        raise
    return manifest


def _replace(staging: Path, out: Path) -> None:
    """Put the finished lake at `out`: a rename, after moving an earlier lake aside (deleted once replaced)."""
    previous = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(previous)
    try:
        staging.rename(out)
    except OSError:
        if previous.exists():
            previous.rename(out)
        raise
    shutil.rmtree(previous, ignore_errors=True)
