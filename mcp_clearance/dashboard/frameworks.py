"""Frameworks: a compliance score per framework, then one framework's requirements — the requirements x systems
heatmap and the table of systems failing each — down to the systems and findings behind a requirement.

The framework (and the requirement opened) live in the URL (`?framework=…&requirement=…`): the page opens on the
framework chosen last, or the OWASP Agentic Top 10 when the URL names none. A click on a framework's row, a heatmap
cell or a requirement's row opens it. The scores are a table with progress bars, and the systems failing each
requirement are columns of the requirements table, not charts: each plotly chart costs the page about a quarter of a
second, and with them it missed its 2-second render target.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from mcp_clearance import figures
from mcp_clearance.api import share
from mcp_clearance.dashboard import data
from mcp_clearance.dashboard.tables import show, system_link
from mcp_clearance.labels import check_label

# the framework the page opens on when the URL names none: the one written for agents
DEFAULT_FRAMEWORK = "owasp_agentic_top10_2026"
WHOLE_ESTATE = "(whole estate)"


@st.cache_data(max_entries=64, show_spinner=False)
def _heatmap(key: data.RunKey, framework_id: str) -> Any:
    """The requirements x systems heatmap, drawn once per run and framework (on a large estate it is not free)."""
    return figures.framework_heatmap(data.sql(
        key, "SELECT system_id, requirement_id, title, position, status FROM framework_status "
             "WHERE framework_id = ? ORDER BY position, system_id", framework_id))


def _clicked(widget: str, target: str, index: int = 0, field: str = "customdata") -> None:
    """A chart click (on_select callback): put the clicked point's framework or requirement in `target`'s widget.
    A callback runs once per new selection, so the choice stays free to change afterwards."""
    points = st.session_state[widget].selection.points
    if points:
        value = points[0][field]
        st.session_state[target] = value[index] if isinstance(value, list) else value


def _row_picked(table: str, rows: pd.Series, target: str) -> None:
    """A table row clicked (on_select callback): put that row's framework or requirement in `target`'s widget."""
    picked = st.session_state[table].selection.rows
    if picked:
        st.session_state[target] = rows.iloc[picked[0]]


def _start(widget: str, options: list[str], wanted: str | None, default: str) -> None:
    """Give a picker its value before it is drawn: kept while it is one of the options, else the URL's, else the
    default (the picker is then drawn without an index, so Streamlit never sees two sources for its value)."""
    if st.session_state.get(widget) not in options:
        st.session_state[widget] = wanted if wanted in options else default


def render() -> None:
    _, key = data.current()
    st.title("Frameworks")
    scores = data.view(key, "framework_scores")
    names = dict(zip(scores["framework_id"], scores["framework_name"], strict=True))
    ids = sorted(names, key=names.__getitem__)
    if not ids:
        st.info("No framework file was loaded: add one to `frameworks/` and run `mcp-clearance run` again.")
        return
    st.caption("Score: the share of a framework's mapped requirement results (every system × every requirement a "
               "check covers) that pass. Coverage: the share of its requirements any check covers; the rest are "
               "gaps, counted neither way. Click a framework to open it.")
    by_name = scores.sort_values("framework_name", ignore_index=True)
    show(by_name.rename(columns={"score": "compliance_score", "coverage": "requirement_coverage"}),
         "framework_scores_table",
         order=["framework_name", "compliance_score", "requirement_coverage", "requirements", "requirements_mapped"],
         on_select=lambda: _row_picked("framework_scores_table", by_name["framework_id"], "framework"),
         selection_mode="single-row")

    _start("framework", ids, st.query_params.get("framework"),
           DEFAULT_FRAMEWORK if DEFAULT_FRAMEWORK in ids else ids[0])
    framework_id = st.selectbox("Framework", ids, format_func=names.__getitem__, key="framework")
    st.query_params["framework"] = framework_id
    systems = [WHOLE_ESTATE, *data.sql(key, "SELECT system_id FROM systems ORDER BY 1")["system_id"]]
    system = st.selectbox("Scope", systems, key="framework_system")
    system_id = None if system == WHOLE_ESTATE else system

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
    score = scores.set_index("framework_id").loc[framework_id]
    counts = requirements["status"].value_counts()
    cols = st.columns(4)
    cols[0].metric("Compliance score", share(score["score"]), help="mapped requirement results passing, estate-wide")
    cols[1].metric("Coverage", share(score["coverage"]), help="requirements a check covers")
    cols[2].metric("Requirements failing", int(counts.get("failing", 0)),
                   help="failing on at least one system in scope")
    cols[3].metric("Gaps", int(counts.get("gap", 0)), help="requirements no check covers: never hidden")
    st.caption(" · ".join(f"{counts.get(s, 0)} {s}" for s in ("passing", "failing", "unknown", "gap")))

    st.plotly_chart(_heatmap(key, framework_id), key="framework_heatmap_chart",
                    on_select=lambda: _clicked("framework_heatmap_chart", "framework_requirement", field="y"),
                    selection_mode="points")

    titles = dict(data.sql(key, "SELECT check_id, title FROM check_catalog").itertuples(index=False))
    attribute = str(requirements["group_attribute"].iloc[0])
    st.subheader("Requirements")
    st.caption("Click a row (or a heatmap cell) for the systems and findings behind it.")
    shown = requirements.assign(group=requirements["group_value"],
                                checks=requirements["checks"].map(
                                    lambda ids: [check_label(c, titles.get(c, "")) for c in ids]))
    columns = ["requirement_id", "status", "title", "group", "strength", "checks"]
    if system_id is None:
        columns[2:2] = ["systems_failing", "systems_unknown"]
    show(shown.rename(columns={"group": attribute.lower()}), "requirements_table",
         order=[attribute.lower() if c == "group" else c for c in columns], colour=["status"],
         on_select=lambda: _row_picked("requirements_table", requirements["requirement_id"], "framework_requirement"),
         selection_mode="single-row")

    st.subheader("Findings behind a requirement")
    options = requirements["requirement_id"].tolist()
    wanted = st.query_params.get("requirement")
    # opened on the first failing requirement: the one someone arriving here most likely wants explained
    failing = requirements[requirements["status"] == "failing"]["requirement_id"].tolist()
    _start("framework_requirement", options, wanted, (failing or options)[0])
    by_id = requirements.set_index("requirement_id")
    requirement = st.selectbox("Requirement", options, key="framework_requirement",
                               format_func=lambda r: f"{r} {by_id.loc[r, 'title']}")
    st.query_params["requirement"] = requirement
    checks = list(by_id.loc[requirement, "checks"])
    if not checks:
        st.warning("No check covers this requirement: it is a gap in the catalog, shown so it is never hidden.")
        return
    findings = data.sql(
        key, "SELECT system_id, check_id, status, resource, reason, suppressed FROM findings "
             "WHERE list_contains(?, check_id) AND status IN ('FAIL', 'UNKNOWN') "
             "AND (? IS NULL OR system_id = ?) ORDER BY system_id, check_id",
        checks, system_id, system_id)
    st.caption(f"Checks: {', '.join(f'check {c}' for c in checks)} — {len(findings)} failing or unknown results "
               f"on {findings['system_id'].nunique()} systems")
    findings["link"] = findings["system_id"].map(system_link)
    findings["check"] = [check_label(c, titles.get(c, "")) for c in findings["check_id"]]
    show(findings, "requirement_findings", order=["link", "status", "check", "resource", "reason", "suppressed"],
         links={"link": r"system=(.*)$"}, colour=["status"])
