"""Data: what the run read, what it set aside, and why — so users can trust or distrust the rest."""

from __future__ import annotations

import streamlit as st

from mcp_clearance.dashboard import data
from mcp_clearance.dashboard.tables import show


def render() -> None:
    _, key = data.current()
    st.title("Data")
    runs = data.sql(key, "SELECT as_of, published_at, catalog_hash FROM runs ORDER BY as_of DESC")
    st.subheader("Runs")
    show(runs, "runs")
    st.subheader("Sources loaded in this run")
    sources = data.sql(key, "SELECT family, format, source_file, rows_loaded, rows_quarantined, rows_skipped, bytes, "
                            "sha256[:12] AS sha256 FROM sources ORDER BY family, source_file")
    summary = sources.groupby("family").agg(files=("source_file", "size"), rows=("rows_loaded", "sum"),
                                            quarantined=("rows_quarantined", "sum"),
                                            skipped=("rows_skipped", "sum")).reset_index()
    show(summary, "source_summary")
    st.caption("Skipped: valid records set aside on purpose (log lines that are not tool calls, "
               "CloudTrail Insights events). Quarantined: records that could not be read.")
    show(sources, "sources")
    quarantine = data.sql(key, "SELECT source_file, line, family, reason FROM quarantine ORDER BY source_file, line")
    st.subheader(f"Quarantined records ({len(quarantine)})")
    st.caption("Each bad record or file was set aside with its reason; everything else was loaded.")
    show(quarantine, "quarantine", order=["reason", "source_file", "line", "family"])
    unassigned = data.sql(key, "SELECT client, server_name, source_file FROM unassigned_connectors ORDER BY 3")
    if not unassigned.empty:
        st.subheader(f"Connectors no system claims ({len(unassigned)})")
        st.caption("Assign them in inventory.yaml (connectors:) so they are judged.")
        show(unassigned, "unassigned")
