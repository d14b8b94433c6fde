"""The reduction as a Spark job: lake tables in, every materialised view out, as Parquet.

Each evidence table of pipelines/schema.sql is a temporary view over `LAKE/<table>/` with the columns and types
the schema gives (partition directories such as `event_date=…/source_format=…/` restore their column when the
table has it). run_context carries the as-of date. The views of queries/ that evaluate.MATERIALISED_VIEWS need
are registered in dependency order from their own files, translated by translate.py; each materialised view is
written to `OUT/<view>/` and re-read from there, so later views do not recompute it (as the DuckDB path does).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from mcp_clearance import lake as lake_layout
from mcp_clearance.evaluate import MATERIALISED_VIEWS, queries_dir
from mcp_clearance.spark.reduced import MANIFEST, ReducedManifest
from mcp_clearance.spark.translate import to_spark, views_needed
from mcp_clearance.store import SCHEMA_VERSION, create_schema

LAKE_MANIFEST = lake_layout.MANIFEST
SCALAR_TYPES = {"VARCHAR": "string", "INTEGER": "int", "BIGINT": "bigint", "SMALLINT": "smallint",
                "BOOLEAN": "boolean", "DOUBLE": "double", "FLOAT": "float", "DATE": "date",
                # evidence timestamps are UTC wall-clock values without a zone, as in DuckDB
                "TIMESTAMP": "timestamp_ntz", "TIMESTAMP WITH TIME ZONE": "timestamp"}


class LakeProblem(Exception):
    """The lake folder cannot be reduced; the message says why."""


def spark_type(duckdb_type: str) -> str:
    """The Spark SQL type of a DuckDB column type of pipelines/schema.sql."""
    if duckdb_type.endswith("[]"):
        return f"array<{spark_type(duckdb_type[:-2])}>"
    if match := re.fullmatch(r"MAP\((.+), (.+)\)", duckdb_type):
        return f"map<{spark_type(match.group(1))},{spark_type(match.group(2))}>"
    if duckdb_type not in SCALAR_TYPES:
        raise LakeProblem(f"no Spark type for the evidence column type {duckdb_type}")
    return SCALAR_TYPES[duckdb_type]


def evidence_schema() -> dict[str, list[tuple[str, str]]]:
    """Every evidence table of pipelines/schema.sql: its columns and their Spark types, in schema order."""
    con = duckdb.connect()
    try:
        create_schema(con)
        rows = con.execute("SELECT table_name, column_name, data_type FROM duckdb_columns() "
                           "WHERE database_name = current_database() ORDER BY table_name, column_index").fetchall()
    finally:
        con.close()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, spark_type(data_type)))
    return tables


@contextmanager
def local_session(app_name: str = "mcp-clearance-reduce") -> Iterator[SparkSession]:
    """A lean local Spark (2 cores, few shuffle partitions, no UI, bound to loopback), stopped afterwards.

    Under spark-submit the master and resources come from its options, and a session already running in this
    process (a notebook's, a test's) is used as it is and left running.
    """
    running = SparkSession.getActiveSession()
    builder = SparkSession.builder.appName(app_name)
    # spark-submit starts the JVM first and hands Python its gateway port; its --master and --conf then apply
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    if running is None and not submitted:
        builder = (builder.master("local[2]")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", "4")
                   .config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1"))
    spark = builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        if running is None:
            spark.stop()


def _lake_manifest(lake: Path) -> dict:
    path = lake / LAKE_MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise LakeProblem(f"{lake} is not an evidence lake: it has no {LAKE_MANIFEST}") from None
    except (OSError, ValueError):
        raise LakeProblem(f"{path} is not readable JSON") from None
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise LakeProblem(f"{path} has schema version {manifest.get('schema_version')!r}; "
                          f"this version reads {SCHEMA_VERSION}")
    return manifest


def _lake_table(spark: SparkSession, folder: Path, columns: list[tuple[str, str]]) -> DataFrame:
    """One evidence table: its Parquet files (partition directories read as string columns), cast to the schema."""
    ddl = ", ".join(f"`{name}` {kind}" for name, kind in columns)
    if not any(folder.rglob("*.parquet")):
        return spark.createDataFrame([], ddl)
    frame = spark.read.option("basePath", str(folder)).parquet(str(folder))
    missing = [name for name, _ in columns if name not in frame.columns]
    if missing:
        raise LakeProblem(f"{folder} lacks the column(s) {', '.join(missing)}")
    return frame.select(*(F.col(f"`{name}`").cast(kind).alias(name) for name, kind in columns))


def register_lake(spark: SparkSession, lake: Path, as_of: date) -> None:
    """Every evidence table of the lake, and run_context for `as_of`, as temporary views."""
    spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    for table, columns in evidence_schema().items():
        _lake_table(spark, lake / table, columns).createOrReplaceTempView(table)
    spark.sql(f"SELECT '{as_of.isoformat()}' AS run_id, DATE'{as_of.isoformat()}' AS as_of") \
        .createOrReplaceTempView("run_context")


def reduce(spark: SparkSession, lake: Path, out: Path, *, as_of: date | None = None) -> ReducedManifest:
    """Compute every view of evaluate.MATERIALISED_VIEWS from `lake` into `out/<view>/` (Parquet)."""
    manifest = _lake_manifest(lake)
    as_of = as_of or date.fromisoformat(str(manifest.get("as_of")))
    register_lake(spark, lake, as_of)
    out.mkdir(parents=True, exist_ok=True)
    folder = queries_dir()
    rows: dict[str, int] = {}
    for name in views_needed(MATERIALISED_VIEWS, folder):
        spark.sql(to_spark((folder / f"{name}.sql").read_text(), name)).createOrReplaceTempView(name)
        if name in MATERIALISED_VIEWS:
            spark.table(name).write.mode("overwrite").parquet(str(out / name))
            reread = spark.read.parquet(str(out / name))
            reread.createOrReplaceTempView(name)
            rows[name] = reread.count()
    reduced = ReducedManifest(schema_version=SCHEMA_VERSION, as_of=as_of, views=rows)
    (out / MANIFEST).write_text(reduced.model_dump_json(indent=2) + "\n")
    return reduced
