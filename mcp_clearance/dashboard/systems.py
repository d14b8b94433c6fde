"""Systems: one row per system with its verdict, tier, gates, owner and blocking checks.

Every number on Posture links here with its filters in the URL (`?verdict=BLOCKED`, `?moved_by=SC-02`, ...),
so the list shows exactly the systems that number counts.
"""

from __future__ import annotations

import streamlit as st

from mcp_clearance.dashboard import data
from mcp_clearance.dashboard.tables import show, system_link

# URL parameter -> (label, column of system_overview); several values mean "any of them"
CHOICES = {
    "verdict": ("Verdict", "verdict"),
    "after_risk": ("Verdict after accepted risk", "verdict_after_risk"),
    "tier": ("Tier", "tier"),
    "team": ("Team", "team"),
    "business_unit": ("Business unit", "business_unit"),
}
GATES = ("identity", "scope", "audit")
# URL parameter -> (what the filter means, SQL condition over system_overview `o` taking the value)
CONDITIONS = {
    "moved_by": ("moved to their next stage by fixing check {}",
                 "list_contains((SELECT systems_moved_ids FROM fix_impact WHERE check_id = ?), o.system_id)"),
    "needs": ("with check {} on their path to the next stage", "list_contains(o.blocking_check_ids, ?)"),
    "failing_check": ("failing check {}", "o.system_id IN (SELECT system_id FROM findings "
                                          "WHERE check_id = ? AND status = 'FAIL' AND NOT suppressed)"),
    "fixes": ("{} fix from their next stage", "o.fixes_to_next_stage = ?::INT"),
    "evidence": ("with {} evidence", "o.insufficient_evidence = (? = 'insufficient')"),
}
# derived_tier shows as soon as system_overview has it (the tier before an inventory override)
COLUMNS = ["link", "system_name", "verdict", "verdict_after_risk", "tier", "derived_tier", "identity_gate",
           "scope_gate", "audit_gate", "blocking_checks", "fixes_to_next_stage", "owner", "team", "business_unit"]


def render() -> None:
    _, key = data.current()
    st.title("Systems")
    overview = data.view(key, "system_overview", order_by="tier, system_id")
    where, params, said = [], [], []
    with st.sidebar:
        st.header("Filters")
        for name, (label, column) in CHOICES.items():
            options = sorted(overview[column].dropna().astype(str).unique())
            wanted = [v for v in st.query_params.get_all(name) if v in options]
            picked = st.multiselect(label, options, default=wanted, key=f"systems_{name}")
            if picked:
                st.query_params[name] = picked
                where.append(f"list_contains(?, o.{column}::VARCHAR)")
                params.append(picked)
            elif name in st.query_params:
                del st.query_params[name]
    for gate in GATES:  # a gate matrix cell: ?identity=FAIL
        status = st.query_params.get(gate)
        if status:
            where.append(f"o.{gate}_gate = ?")
            params.append(status)
            said.append(f"{gate} gate {status}")
    for name, (meaning, condition) in CONDITIONS.items():
        value = st.query_params.get(name)
        if value:
            where.append(condition)
            params.append(value)
            said.append(meaning.format(value))
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    shown = data.sql(key, f"SELECT * FROM system_overview AS o{clause} ORDER BY o.tier, o.system_id", *params)
    shown["link"] = shown["system_id"].map(system_link)
    st.caption(f"{len(shown)} of {len(overview)} systems" + (f" — {'; '.join(said)}" if said else ""))
    if said and st.button("Show all systems", key="systems_clear"):
        st.query_params.clear()
        st.rerun()
    # tall enough for every row: the list is the answer, so none of it hides behind a scroll bar
    show(shown, "systems_table", order=[c for c in COLUMNS if c in shown.columns], links={"link": r"system=(.*)$"},
         height=35 * (len(shown) + 1) + 3,
         colour=["verdict", "verdict_after_risk", "identity_gate", "scope_gate", "audit_gate"])
    st.download_button("Download CSV", shown.drop(columns=["link"]).to_csv(index=False),
                       file_name="mcp-clearance-systems.csv", mime="text/csv", key="systems_download")
