"""Fixed colours and small display helpers shared by every page."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from mcp_clearance.figures import STATUS_COLOURS, VERDICT_COLOURS

LABELS = {"CLEARED": "Cleared", "READ_ONLY": "Read-only", "BLOCKED": "Blocked"}


def badge(value: str) -> str:
    colour = VERDICT_COLOURS.get(value) or STATUS_COLOURS.get(value, "#DDDDDD")
    text = "#000000" if value in ("READ_ONLY", "UNKNOWN", "NOT_APPLICABLE", "unknown", "gap") else "#FFFFFF"
    return (f"<span style='background:{colour};color:{text};padding:2px 8px;border-radius:4px;"
            f"font-weight:600'>{html.escape(LABELS.get(value, value))}</span>")


def show_badge(value: str, prefix: str = "") -> None:
    st.markdown(f"{html.escape(prefix)}{badge(value)}", unsafe_allow_html=True)


# a pandas Styler renders every cell of the frame to CSS before the table is sent, which at the Explorer's
# 100,000+ findings of a large estate costs seconds; beyond this many rows the table goes plain (the status stays
# a word in its column, and the filters narrow it to a size that is coloured again)
STYLED_ROWS = 1_000


def colour_cells(frame: pd.DataFrame, columns: list[str]) -> pd.io.formats.style.Styler | pd.DataFrame:
    """Background colours for verdict / status columns (text stays readable); the frame as it is when it is too
    long to style (STYLED_ROWS)."""
    if len(frame) > STYLED_ROWS:
        return frame

    def paint(value: object) -> str:
        colour = VERDICT_COLOURS.get(str(value)) or STATUS_COLOURS.get(str(value))
        return f"background-color: {colour}; color: black" if colour else ""

    return frame.style.map(paint, subset=[c for c in columns if c in frame.columns])


# Streamlit cuts page-link and tile labels to one line with an ellipsis; at 1024 px five tiles or a fix's link
# ("check SC-02 · … — moves 8 systems") lose the words that matter, so they wrap instead
WRAP_LABELS = """<style>
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] *, [data-testid="stMetric"] .stMarkdownEllipsis,
[data-testid="stMetric"] .stMarkdownEllipsis * {white-space: normal !important; text-overflow: clip !important;
overflow: visible !important;}
</style>"""


def wrap_labels() -> None:
    """Let links and tile labels wrap rather than be truncated (see WRAP_LABELS); drawn once per page run."""
    st.html(WRAP_LABELS)
