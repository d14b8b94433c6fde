"""The DuckDB file: schema creation and atomic publication of a run.

A run writes a complete new database next to the published one and then renames it into place.
`os.replace` is atomic on POSIX and Windows, so a reader opening the path sees either the previous
run or the new one, never a half-written file; a run killed part-way leaves only a stray temp file.
"""

from __future__ import annotations

from importlib import resources

import duckdb

SCHEMA_VERSION = 1


def schema_sql() -> str:
    return resources.files("mcp_clearance.pipelines").joinpath("schema.sql").read_text()


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    # evidence timestamps are stored as UTC; without this a TIMESTAMPTZ cast follows the machine's time zone
    con.execute("SET TimeZone = 'UTC'")
    con.execute(schema_sql())
