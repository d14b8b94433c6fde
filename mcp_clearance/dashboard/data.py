"""Where the dashboard gets its data: the published database, opened read-only, cached per run.

A run publishes by renaming a new file into place, so the file's identity (inode, mtime, size)
names the run. Connections and query results are cached under that identity: a newer run shows up
on the next interaction without a restart, and a page being drawn keeps reading the run it started
with, because its open connection still holds the old file.
"""

from __future__ import annotations

import os
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


def current() -> tuple[Estate, RunKey]:
    """The published run, or a clear message on the page (and stop) when there is none."""
    path = db_path()
    key = run_key(path)
    if key is None:
        st.error(f"No estate database at `{path}`.")
        st.markdown("Create one with `mcp-clearance run sample_data --db estate.duckdb` (or your own estate folder), "
                    f"or point the dashboard at an existing file with `{DB_ENV}=/path/to/estate.duckdb`.")
        st.stop()
    try:
        estate = _estate(key)
    except DatabaseProblem as exc:
        st.error(str(exc))
        st.stop()
    if int(estate.summary().iloc[0]["systems"]) == 0:
        st.warning("The published run has no systems: add them to `inventory.yaml` in the estate folder and run "
                   "`mcp-clearance run ESTATE --db estate.duckdb` again. The Data page shows what was read.")
    return estate, key


@st.cache_data(max_entries=512, show_spinner=False)
def _view(key: RunKey, name: str, filters: Filter | None, order_by: str | None) -> pd.DataFrame:
    return _estate(key).view(name, filters, order_by=order_by)


@st.cache_data(max_entries=512, show_spinner=False)
def _sql(key: RunKey, query: str, params: tuple[Any, ...]) -> pd.DataFrame:
    return _estate(key).sql(query, list(params))


def view(key: RunKey, name: str, filters: Filter | None = None, order_by: str | None = None) -> pd.DataFrame:
    """A named view's rows for this run (cached); filter values travel as SQL parameters."""
    return _view(key, name, filters, order_by)


def sql(key: RunKey, query: str, *params: Any) -> pd.DataFrame:
    return _sql(key, query, tuple(params))


@st.cache_data(max_entries=256, show_spinner=False)
def figure(key: RunKey, name: str, **kwargs: Any) -> Any:
    return _estate(key).figure(name, **kwargs)


@st.cache_data(max_entries=16, show_spinner=False)
def board_summary(key: RunKey) -> str:
    return _estate(key).board_summary()
