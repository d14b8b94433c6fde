"""Load a reduction written by the Spark job (`OUT/<view>/*.parquet`) as the run's materialised tables.

The table `<view>_materialised` gets exactly the columns and types DuckDB gives the view of queries/ itself,
so every check reads the same rows with the same types as when DuckDB computes them. Needs no pyspark.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
from pydantic import BaseModel, ValidationError

from mcp_clearance.store import SCHEMA_VERSION, PublishError

MANIFEST = "manifest.json"


class ReducedManifest(BaseModel):
    schema_version: int
    as_of: date
    views: dict[str, int]  # view name → rows written


class ReducedProblem(PublishError):
    """The reduced folder does not fit this run (nothing is published); the message says why."""


def read_manifest(reduced: Path) -> ReducedManifest:
    try:
        return ReducedManifest.model_validate_json((reduced / MANIFEST).read_text())
    except FileNotFoundError:
        raise ReducedProblem(f"{reduced} holds no reduction: it has no {MANIFEST}") from None
    except (OSError, ValueError, ValidationError):
        raise ReducedProblem(f"{reduced / MANIFEST} is not a valid reduction manifest") from None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_view(con: duckdb.DuckDBPyConnection, name: str, folder: Path) -> None:
    """Create `<name>_materialised` from `folder`'s Parquet files, cast to the column types of the view `name`."""
    columns = [(row[0], row[1]) for row in con.execute(f"DESCRIBE SELECT * FROM {name}").fetchall()]
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    if not files:
        raise ReducedProblem(f"{folder} holds no Parquet files for the view {name}")
    written = {row[0] for row in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [files]).fetchall()}
    missing = [column for column, _ in columns if column not in written]
    if missing:
        raise ReducedProblem(f"{folder} lacks the column(s) {', '.join(missing)} of the view {name}")
    selects = ", ".join(f"CAST({_quoted(column)} AS {kind}) AS {_quoted(column)}" for column, kind in columns)
    con.execute(f"CREATE OR REPLACE TABLE {name}_materialised AS SELECT {selects} FROM read_parquet(?)", [files])


def check_reduction(reduced: Path, as_of: date, names: tuple[str, ...]) -> ReducedManifest:
    """The manifest of `reduced`, when it is a reduction of `names` for this schema version and `as_of` date."""
    manifest = read_manifest(reduced)
    if manifest.schema_version != SCHEMA_VERSION:
        raise ReducedProblem(f"{reduced} was reduced for schema version {manifest.schema_version}; "
                             f"this version reads {SCHEMA_VERSION}")
    if manifest.as_of != as_of:
        raise ReducedProblem(f"{reduced} was reduced as of {manifest.as_of}, this run is as of {as_of}: "
                             "reduce again with --as-of, or run with the same --as-of")
    absent = [name for name in names if name not in manifest.views]
    if absent:
        raise ReducedProblem(f"{reduced} lacks the view(s) {', '.join(absent)}: reduce again with this version")
    return manifest


def load_reduced(con: duckdb.DuckDBPyConnection, reduced: Path, names: tuple[str, ...]) -> None:
    """Load every view of `names` from `reduced`, after checking it was reduced for this run's as-of date."""
    check_reduction(reduced, con.execute("SELECT as_of FROM run_context").fetchone()[0], names)
    for name in names:
        load_view(con, name, reduced / name)
