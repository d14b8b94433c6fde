"""Exceptions: every accepted risk with its state — active, expiring, expired, unused or invalid, and why.

`?state=expiring` (from Posture) shows the active exceptions that expire within 30 days; `?owner=` narrows by owner.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mcp_clearance.dashboard import data
from mcp_clearance.dashboard.tables import show, system_link

EXPIRING_DAYS = 30
STATES = ("active", "expired", "unused", "invalid", "not_yet_active")


def badge(state: str, days_to_expiry: float) -> str:
    """The state in words, with a symbol that reads in light and dark mode alike."""
    if state == "active" and not pd.isna(days_to_expiry) and days_to_expiry <= EXPIRING_DAYS:
        return f"⏳ expiring in {int(days_to_expiry)} days"
    return {"active": "✅ active", "expired": "⛔ expired", "unused": "💤 unused", "invalid": "❌ invalid",
            "not_yet_active": "🕒 not yet active"}.get(state, state)


def render() -> None:
    _, key = data.current()
    st.title("Exceptions")
    exceptions = data.view(key, "exceptions_audit", order_by="days_to_expiry NULLS LAST, exception_id")
    counts = exceptions["state"].value_counts()
    cols = st.columns(len(STATES))
    for col, state in zip(cols, STATES, strict=True):
        col.metric(state.replace("_", " ").capitalize(), int(counts.get(state, 0)))

    owners = sorted(exceptions["owner"].dropna().unique())
    left, right = st.columns(2)
    picked = left.multiselect("Owner", owners, default=[o for o in st.query_params.get_all("owner") if o in owners],
                              key="exception_owner")
    expiring_only = right.toggle(f"Only expiring within {EXPIRING_DAYS} days", key="exception_expiring",
                                 value=st.query_params.get("state") == "expiring")
    if picked:
        st.query_params["owner"] = picked
        exceptions = exceptions[exceptions["owner"].isin(picked)]
    elif "owner" in st.query_params:
        del st.query_params["owner"]
    if expiring_only:
        st.query_params["state"] = "expiring"
        exceptions = exceptions[(exceptions["state"] == "active") & (exceptions["days_to_expiry"] <= EXPIRING_DAYS)]
    elif "state" in st.query_params:
        del st.query_params["state"]

    st.caption("Expired, unused and invalid exceptions suppress nothing; they are listed so someone closes them. "
               "Expiring ones come first.")
    exceptions = exceptions.assign(
        state_badge=[badge(s, d) for s, d in zip(exceptions["state"], exceptions["days_to_expiry"], strict=True)],
        link=exceptions["system_id"].map(system_link))
    show(exceptions, "exceptions_table", links={"link": r"system=(.*)$"},
         order=["state_badge", "state_reason", "exception_id", "link", "check_id", "expires", "days_to_expiry",
                "owner", "approver", "reason_kind", "reason", "ticket", "findings_covered", "created", "source_file",
                "source_line"])
