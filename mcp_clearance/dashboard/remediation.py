"""Remediation: open findings per team, burn-down, what changed since the last run, overdue."""

from __future__ import annotations

import streamlit as st

from mcp_clearance.dashboard import data


def render() -> None:
    _, key = data.current()
    st.title("Remediation")
    open_findings = data.sql(key, "SELECT team, system_id, tier, check_id, title, resource, ticket, "
                                  "coalesce(ticket_owner, owner) AS owner, first_seen, age_days, due, overdue "
                                  "FROM findings WHERE status = 'FAIL' AND NOT suppressed "
                                  "ORDER BY overdue DESC, due, team")
    teams = sorted(open_findings["team"].unique())
    wanted = st.query_params.get_all("team")
    picked = st.multiselect("Team", teams, default=[t for t in wanted if t in teams], key="team")
    if picked:
        st.query_params["team"] = picked
        open_findings = open_findings[open_findings["team"].isin(picked)]
    elif "team" in st.query_params:
        del st.query_params["team"]

    cols = st.columns(3)
    cols[0].metric("Open findings", len(open_findings))
    cols[1].metric("Overdue by tier SLA", int(open_findings["overdue"].sum()))
    cols[2].metric("Without a ticket", int(open_findings["ticket"].isna().sum()))

    left, right = st.columns(2)
    left.plotly_chart(data.figure(key, "burn_down"), key="burn_down_chart")
    right.plotly_chart(data.figure(key, "deltas"), key="deltas_chart")

    st.subheader("Open findings by team")
    st.dataframe(open_findings, hide_index=True, key="open_findings")
    st.subheader("Since the previous run")
    deltas = data.view(key, "finding_deltas", order_by="delta, system_id, check_id")
    st.dataframe(deltas, hide_index=True, key="deltas")
