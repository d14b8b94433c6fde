"""Explorer: slice every finding by tier, unit, owner, gate, check, requirement, client, ...

Every filter lives in the URL (st.query_params), so a link reproduces the view.
"""

from __future__ import annotations

import streamlit as st

from mcp_clearance.dashboard import data
from mcp_clearance.dashboard.tables import label as column_label
from mcp_clearance.dashboard.tables import show, system_link
from mcp_clearance.labels import check_label

# filter name -> (label, SQL giving its choices); the name is also the URL parameter
FILTERS = {
    "tier": ("Tier", "SELECT DISTINCT tier::VARCHAR FROM findings ORDER BY 1"),
    "business_unit": ("Business unit", "SELECT DISTINCT business_unit FROM findings ORDER BY 1"),
    "owner": ("Owner", "SELECT DISTINCT owner FROM findings ORDER BY 1"),
    "environment": ("Environment", "SELECT DISTINCT environment FROM findings ORDER BY 1"),
    "gate": ("Gate", "SELECT DISTINCT gate FROM findings ORDER BY 1"),
    "check_id": ("Check", "SELECT DISTINCT check_id FROM findings ORDER BY 1"),
    "requirement": ("Framework requirement",
                    "SELECT DISTINCT framework_id || ' ' || requirement_id FROM framework_requirements "
                    "WHERE check_id IS NOT NULL ORDER BY 1"),
    "severity": ("Severity", "SELECT DISTINCT severity FROM findings ORDER BY 1"),
    "client": ("Client", "SELECT DISTINCT client FROM system_connectors ORDER BY 1"),
    "transport": ("Transport", "SELECT DISTINCT transport FROM system_connectors ORDER BY 1"),
    "status": ("Status", "SELECT * FROM (VALUES ('FAIL'), ('UNKNOWN'), ('PASS'), ('NOT_APPLICABLE'))"),
}
GROUP_BY = ["(none)", "tier", "business_unit", "team", "owner", "gate", "check_id", "severity", "system_id", "status"]

# the findings table: the decisive columns first, each system linked to its System page
SHOWN = ["link", "status", "check", "reason", "due", "severity", "resource", "tier", "system_name", "business_unit",
         "team", "owner", "gate", "suppressed", "first_seen"]

# each filter as a SQL condition over findings `f`, taking its list of chosen values as one parameter
CONDITIONS = {
    "tier": "list_contains(?, f.tier::VARCHAR)",
    "business_unit": "list_contains(?, f.business_unit)",
    "owner": "list_contains(?, f.owner)",
    "environment": "list_contains(?, f.environment)",
    "gate": "list_contains(?, f.gate)",
    "check_id": "list_contains(?, f.check_id)",
    "requirement": "f.check_id IN (SELECT check_id FROM framework_requirements "
                   "WHERE list_contains(?, framework_id || ' ' || requirement_id))",
    "severity": "list_contains(?, f.severity)",
    "client": "f.system_id IN (SELECT system_id FROM system_connectors WHERE list_contains(?, client))",
    "transport": "f.system_id IN (SELECT system_id FROM system_connectors WHERE list_contains(?, transport))",
    "status": "list_contains(?, f.status)",
}


def selected_filters() -> dict[str, list[str]]:
    """The filters as they stand in the URL."""
    return {name: st.query_params.get_all(name) for name in FILTERS if st.query_params.get_all(name)}


def render() -> None:
    _, key = data.current()
    st.title("Explorer")
    chosen = selected_filters()
    if "status" not in chosen and "status" not in st.query_params:
        chosen["status"] = ["FAIL", "UNKNOWN"]
    with st.sidebar:
        st.header("Filters")
        for name, (label, choices_sql) in FILTERS.items():
            options = data.sql(key, choices_sql).iloc[:, 0].dropna().astype(str).tolist()
            default = [v for v in chosen.get(name, []) if v in options]
            picked = st.multiselect(label, options, default=default, key=f"filter_{name}")
            chosen[name] = picked
        include_suppressed = st.checkbox("Include suppressed (accepted risk)",
                                         value=st.query_params.get("suppressed", "1") == "1", key="include_suppressed")
        group_by = st.selectbox("Group by", GROUP_BY, format_func=lambda g: g if g == "(none)" else column_label(g),
                                index=GROUP_BY.index(st.query_params.get("group", "(none)"))
                                if st.query_params.get("group", "(none)") in GROUP_BY else 0, key="group_by")
    # mirror every filter in the URL so a link reproduces this view
    for name in FILTERS:
        if chosen.get(name):
            st.query_params[name] = chosen[name]
        elif name in st.query_params:
            del st.query_params[name]
    st.query_params["suppressed"] = "1" if include_suppressed else "0"
    st.query_params["group"] = group_by

    clauses = [CONDITIONS[name] for name in FILTERS if chosen.get(name)]
    params = [chosen[name] for name in FILTERS if chosen.get(name)]
    if not include_suppressed:
        clauses.append("NOT f.suppressed")
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    findings = data.sql(key, "SELECT f.system_id, f.system_name, f.tier, f.business_unit, f.team, f.owner, f.gate, "
                             "f.check_id, f.title, f.severity, f.status, f.resource, f.reason, f.suppressed, "
                             f"f.first_seen, f.due FROM findings AS f{where} "
                             "ORDER BY f.tier, f.system_id, f.check_id, f.resource", *params)
    st.caption(f"{len(findings)} results · {findings['system_id'].nunique() if len(findings) else 0} systems")
    if group_by != "(none)" and len(findings):
        grouped = (findings.groupby(group_by).agg(results=("check_id", "size"), systems=("system_id", "nunique"),
                                                  failing=("status", lambda s: int((s == "FAIL").sum())))
                   .reset_index().sort_values("results", ascending=False))
        show(grouped, "grouped")
    findings["link"] = findings["system_id"].map(system_link)
    findings["check"] = [check_label(c, t) for c, t in zip(findings["check_id"], findings["title"], strict=True)]
    show(findings, "findings_table", order=SHOWN, links={"link": r"system=(.*)$"}, colour=["status"])
    st.download_button("Download CSV", findings.to_csv(index=False), file_name="mcp-clearance-findings.csv",
                       mime="text/csv", key="download")
