"""Frameworks: one generic renderer for every shipped framework file."""

from __future__ import annotations

import streamlit as st

from mcp_clearance.dashboard import data
from mcp_clearance.dashboard.tables import check_label, show, system_link

# the framework the page opens on when the URL names none: the one written for agents
DEFAULT_FRAMEWORK = "owasp_agentic_top10_2026"


def render() -> None:
    _, key = data.current()
    st.title("Frameworks")
    frameworks = data.sql(key, "SELECT DISTINCT framework_id, framework_name, group_attribute "
                               "FROM framework_requirements ORDER BY framework_name")
    names = dict(zip(frameworks["framework_id"], frameworks["framework_name"], strict=True))
    chosen = st.query_params.get("framework")
    ids = list(names)
    start = chosen if chosen in ids else DEFAULT_FRAMEWORK if DEFAULT_FRAMEWORK in ids else ids[0]
    framework_id = st.selectbox("Framework", ids, index=ids.index(start),
                                format_func=names.__getitem__, key="framework")
    st.query_params["framework"] = framework_id
    systems = ["(whole estate)", *data.sql(key, "SELECT system_id FROM systems ORDER BY 1")["system_id"]]
    system = st.selectbox("Scope", systems, key="framework_system")
    system_id = None if system == "(whole estate)" else system

    st.plotly_chart(data.figure(key, "framework_status", framework_id=framework_id, system_id=system_id),
                    key="framework_chart")
    if system_id is None:
        requirements = data.sql(key, "SELECT * FROM framework_status_estate WHERE framework_id = ? ORDER BY position",
                                framework_id)
    else:
        requirements = data.sql(key, "SELECT * FROM framework_status WHERE framework_id = ? AND system_id = ? "
                                     "ORDER BY position", framework_id, system_id)
    if requirements.empty:
        st.info("No system in this run to assess against this framework: add systems to `inventory.yaml` and run "
                "`mcp-clearance run` again.")
        return
    titles = dict(data.sql(key, "SELECT check_id, title FROM check_catalog").itertuples(index=False))
    attribute = frameworks.set_index("framework_id").loc[framework_id, "group_attribute"]
    counts = requirements["status"].value_counts()
    st.caption(" · ".join(f"{counts.get(s, 0)} {s}" for s in ("passing", "failing", "unknown", "gap")))
    for group, rows in requirements.groupby("group_value", sort=False, dropna=False):
        st.subheader(f"{attribute}: {group}")
        shown = rows[["requirement_id", "title", "status", "strength", "checks"]].copy()
        shown["checks"] = shown["checks"].map(lambda ids: [check_label(c, titles.get(c, "")) for c in ids])
        show(shown, f"req_{group}", order=["requirement_id", "status", "title", "strength", "checks"],
             colour=["status"])

    st.subheader("Findings behind a requirement")
    requirement = st.selectbox("Requirement", requirements["requirement_id"].tolist(), key="framework_requirement",
                               format_func=lambda r: f"{r} {requirements.set_index('requirement_id').loc[r, 'title']}")
    checks = list(requirements.set_index("requirement_id").loc[requirement, "checks"])
    if not checks:
        st.warning("No check covers this requirement: it is a gap in the catalog, shown so it is never hidden.")
        return
    findings = data.sql(
        key, "SELECT system_id, check_id, status, resource, reason, suppressed FROM findings "
             "WHERE list_contains(?, check_id) AND status IN ('FAIL', 'UNKNOWN') "
             "AND (? IS NULL OR system_id = ?) ORDER BY system_id, check_id",
        checks, system_id, system_id)
    st.caption(f"Checks: {', '.join(f'check {c}' for c in checks)} — {len(findings)} failing or unknown results")
    findings["link"] = findings["system_id"].map(system_link)
    findings["check"] = [check_label(c, titles.get(c, "")) for c in findings["check_id"]]
    show(findings, "requirement_findings", order=["link", "status", "check", "resource", "reason", "suppressed"],
         links={"link": r"system=(.*)$"}, colour=["status"])
