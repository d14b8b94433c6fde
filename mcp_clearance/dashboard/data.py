"""Where the dashboard gets its data: the published database, opened read-only, cached per run.

A run publishes by renaming a new file into place, so the file's identity (inode, mtime, size)
names the run. Connections and query results are cached under that identity: a newer run shows up
on the next interaction without a restart, and a page being drawn keeps reading the run it started
with, because its open connection still holds the old file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from mcp_clearance.api import Estate, Filter
from mcp_clearance.report import DatabaseProblem

DB_ENV = "MCP_CLEARANCE_DB"
RunKey = tuple[str, int, int, int]


def db_path() -> Path:
    return Path(os.environ.get(DB_ENV, "estate.duckdb")).resolve()


def run_key(path: Path) -> RunKey | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)


@st.cache_resource(max_entries=2, show_spinner=False)
def _estate(key: RunKey) -> Estate:
    return Estate.open(key[0])


@contextmanager
def _reader(key: RunKey) -> Iterator[Estate]:
    """The run's Estate on a cursor of its own: sessions run in threads and share the cached connection,
    and a DuckDB connection holds one pending result, so each query gets its own cursor."""
    estate = _estate(key).cursor()
    try:
        yield estate
    finally:
        estate.close()


def current() -> tuple[Estate, RunKey]:
    """The published run, or a clear message on the page (and stop) when there is none."""
    path = db_path()
    key = run_key(path)
    if key is None:
        st.error(f"No estate database at `{path}`. Create it with `mcp-clearance run sample_data --db {path}` "
                 "(or your own estate folder instead of sample_data).")
        st.markdown(f"Or point the dashboard at an existing file: "
                    f"`{DB_ENV}=/path/to/estate.duckdb streamlit run app.py`.")
        st.stop()
    try:
        estate = _estate(key)
    except DatabaseProblem as exc:
        st.error(str(exc))
        st.stop()
    if int(summary(key)["systems"]) == 0:
        st.warning("The published run has no systems: add them to `inventory.yaml` in the estate folder and run "
                   "`mcp-clearance run ESTATE --db estate.duckdb` again. The Data page shows what was read.")
    return estate, key


@st.cache_data(max_entries=512, show_spinner=False)
def _view(key: RunKey, name: str, filters: Filter | None, order_by: str | None) -> pd.DataFrame:
    with _reader(key) as estate:
        return estate.view(name, filters, order_by=order_by)


@st.cache_data(max_entries=512, show_spinner=False)
def _sql(key: RunKey, query: str, params: tuple[Any, ...]) -> pd.DataFrame:
    with _reader(key) as estate:
        return estate.sql(query, list(params))


def view(key: RunKey, name: str, filters: Filter | None = None, order_by: str | None = None) -> pd.DataFrame:
    """A named view's rows for this run (cached); filter values travel as SQL parameters."""
    return _view(key, name, filters, order_by)


def sql(key: RunKey, query: str, *params: Any) -> pd.DataFrame:
    return _sql(key, query, tuple(params))


def summary(key: RunKey) -> pd.Series:
    """The headline numbers of this run (view estate_summary, one row)."""
    return view(key, "estate_summary").iloc[0]


@st.cache_data(max_entries=16, show_spinner=False)
def as_of(key: RunKey) -> date:
    with _reader(key) as estate:
        return estate.as_of


@st.cache_data(max_entries=256, show_spinner=False)
def figure(key: RunKey, name: str, **kwargs: Any) -> Any:
    with _reader(key) as estate:
        return estate.figure(name, **kwargs)


@st.cache_data(max_entries=16, show_spinner=False)
def board_summary(key: RunKey) -> str:
    with _reader(key) as estate:
        return estate.board_summary()
