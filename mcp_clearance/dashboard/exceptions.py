"""Exceptions: every accepted risk with its state — active, expired, unused or invalid."""

from __future__ import annotations

import streamlit as st

from mcp_clearance.dashboard import data


def render() -> None:
    _, key = data.current()
    st.title("Exceptions")
    exceptions = data.view(key, "exceptions_audit", order_by="state, expires")
    counts = exceptions["state"].value_counts()
    cols = st.columns(5)
    for col, state in zip(cols, ("active", "expired", "unused", "invalid", "not_yet_active"), strict=True):
        col.metric(state.replace("_", " ").capitalize(), int(counts.get(state, 0)))
    flagged = exceptions["state"] != "active"
    st.caption("Expired, unused and invalid exceptions suppress nothing; they are listed so someone closes them.")
    st.dataframe(
        exceptions.style.apply(lambda row: ["background-color: #F0E442" if flagged[row.name] else "" for _ in row],
                               axis=1),
        hide_index=True, key="exceptions_table")
