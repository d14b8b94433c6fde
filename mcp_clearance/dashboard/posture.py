"""Posture: the CISO's one screen."""

from __future__ import annotations

import streamlit as st

from mcp_clearance.api import share
from mcp_clearance.dashboard import data


def render() -> None:
    _, key = data.current()
    s = data.summary(key)
    st.title("Posture")
    st.caption(f"As of {data.as_of(key)} · {s['systems']} systems · database `{key[0]}`")

    cols = st.columns(6)
    cols[0].metric("Cleared", int(s["cleared"]), help="all three gates pass at the system's tier")
    cols[1].metric("Read-only", int(s["read_only"]), help="identity and audit pass; write access not cleared")
    cols[2].metric("Blocked", int(s["blocked"]), help="a gate fails, or evidence is missing")
    cols[3].metric("Insufficient evidence", int(s["insufficient_evidence"]))
    cols[4].metric("Evidence coverage", share(s["evidence_coverage"]),
                   help="share of needed evidence present, averaged over systems and gates")
    cols[5].metric("Exceptions expiring ≤ 30 days", int(s["exceptions_expiring_30d"]))
    st.caption(f"After accepted risk: {int(s['cleared_after_risk'])} cleared · {int(s['read_only_after_risk'])} "
               f"read-only · {int(s['blocked_after_risk'])} blocked. Raw verdicts above never count an exception.")

    moved = data.sql(key, "SELECT system_id, derived_tier, effective_tier, tier_override_status FROM verdicts "
                          "WHERE derived_tier <> effective_tier OR tier_override_status = 'lowering_not_applied'")
    if len(moved):
        st.caption("Derived vs effective tier: " + "; ".join(
            f"{r.system_id} derived {r.derived_tier}, effective {r.effective_tier} ({r.tier_override_status})"
            for r in moved.itertuples()))

    st.subheader("Board summary")
    st.info(data.board_summary(key))

    left, right = st.columns(2)
    left.plotly_chart(data.figure(key, "verdicts_by_tier"), key="tier_chart")
    right.plotly_chart(data.figure(key, "verdicts_by_unit"), key="unit_chart")
    left, right = st.columns(2)
    left.plotly_chart(data.figure(key, "trend"), key="trend_chart")
    right.plotly_chart(data.figure(key, "top_failing_checks"), key="top_checks_chart")
    st.plotly_chart(data.figure(key, "gate_matrix"), key="gate_matrix_chart")
