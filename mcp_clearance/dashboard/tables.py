"""Tables people can read: every st.dataframe of the dashboard goes through `show`.

`show` gives each column a human label, shares as progress bars, dates without times, durations in
words ("5 min", "90 days"), lists as chips, a dash for a missing value, and links where asked. Labels
come from LABELS, else from the column name (snake_case turned into words), so no raw name shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from mcp_clearance.dashboard.style import colour_cells
from mcp_clearance.labels import MISSING, duration, label

SHARES = re.compile(r"(_share|^coverage|^evidence_coverage|^compliance_score|^requirement_coverage)$")
DURATIONS = re.compile(r"_s$")


def system_link(system_id: str) -> str:
    return f"./system?system={system_id}"


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as people read them: durations in words, lists as text chips."""
    out = frame.copy()
    for name in out.columns:
        if DURATIONS.search(name) and pd.api.types.is_numeric_dtype(out[name]):
            out[name] = out[name].map(duration)
    return out


def column_config(frame: pd.DataFrame, links: dict[str, str] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for name in frame.columns:
        text = label(name)
        series = frame[name]
        if links and name in links:
            config[name] = st.column_config.LinkColumn(text, display_text=links[name])
        elif SHARES.search(name):
            config[name] = st.column_config.ProgressColumn(text, format="percent", min_value=0.0, max_value=1.0)
        elif pd.api.types.is_datetime64_any_dtype(series) or name in ("first_seen", "due", "expires", "created"):
            config[name] = st.column_config.DateColumn(text, format="YYYY-MM-DD")
        elif series.dtype == object and series.map(lambda v: isinstance(v, (list, tuple))).any():
            config[name] = st.column_config.ListColumn(text)
        else:
            config[name] = st.column_config.Column(text)
    return config


def show(frame: pd.DataFrame, key: str, *, order: Sequence[str] | None = None, links: dict[str, str] | None = None,
         colour: Sequence[str] = (), **kwargs: Any) -> Any:
    """One readable table: `order` picks and orders the columns shown (decisive ones first); `links` maps a
    column holding URLs to the text shown for them (a regex over the URL); `colour` paints status columns."""
    shown = readable(frame[list(order)] if order else frame)
    for name in shown.columns:  # lists and arrays come back from DuckDB as numpy arrays
        if shown[name].dtype == object:
            shown[name] = shown[name].map(lambda v: list(v) if hasattr(v, "tolist") and not isinstance(v, str) else v)
    data: Any = colour_cells(shown, list(colour)) if colour else shown
    return st.dataframe(data, hide_index=True, key=key, column_config=column_config(shown, links),
                        placeholder=MISSING, **kwargs)
