"""Agents: one row per agent — identities, credentials against the tier limit, systems served, and how much of
the delegation chain its calls prove. Sorted so the agents whose calls do not name the delegating user come first."""

from __future__ import annotations

import streamlit as st

from mcp_clearance.dashboard import data
from mcp_clearance.dashboard.tables import show

COLUMNS = ["agent_id", "user_share", "agent_share", "decision_share", "trace_share", "target_linked_share", "calls",
           "last_call", "kind", "identities", "systems", "systems_served", "credentials", "over_tier_limit",
           "never_expiring", "longest_lifetime_s", "tier_limit_s", "owner"]


def render() -> None:
    _, key = data.current()
    st.title("Agents")
    agents = data.view(key, "agent_overview", order_by="user_share NULLS FIRST, calls DESC, agent_id")
    logged = agents["calls"] > 0
    lacking = agents[logged & (agents["user_share"] < 1)]
    silent = agents[~logged]
    st.caption(f"{len(agents)} agents · {len(lacking)} with calls that do not name the delegating user · "
               f"{len(silent)} with no call in the audit logs")
    if st.toggle("Only agents lacking delegated-user logging", key="agents_lacking",
                 value=st.query_params.get("lacking") == "user"):
        st.query_params["lacking"] = "user"
        agents = agents[~logged | (agents["user_share"] < 1)]
    elif "lacking" in st.query_params:
        del st.query_params["lacking"]
    st.caption("Shares are of the agent's calls in the audit window; an agent with no call proves nothing (blank).")
    show(agents, "agents_table", order=COLUMNS)
