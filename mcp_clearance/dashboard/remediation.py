"""Remediation: open findings per team, what is due when, burn-down, and what changed since the last run.

The team and due-window filters live in the URL (`?team=payments&due=14d`) and narrow every element of the page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
import streamlit as st

from mcp_clearance import figures
from mcp_clearance.dashboard import data
from mcp_clearance.dashboard.tables import show, system_link
from mcp_clearance.labels import check_label

# URL value -> label; "due in N days" counts findings not yet overdue whose due date is within N days of the run
DUE_WINDOWS = {"all": "Any due date", "overdue": "Overdue", "14d": "Due in the next 14 days",
               "30d": "Due in the next 30 days"}
# what each change since the previous run means, in words (the rules of finding_deltas.sql)
DELTA_WORDS = {
    "new": "New: failing now, not failing in the previous run",
    "resolved": "Resolved: failed in the previous run and passes now (same evidence, same check)",
    "incomparable": "Cannot compare: failed before, but the check changed, the result is unknown now, or "
                    "evidence the system had is missing, so nothing is proven",
    "unchanged": "Still failing: failing in both runs",
}
DELTA_ORDER = ["new", "resolved", "incomparable", "unchanged"]  # what changed first


def in_window(findings: pd.DataFrame, window: str, as_of: pd.Timestamp) -> pd.Series:
    if window == "overdue":
        return findings["overdue"].fillna(False).astype(bool)
    if window.endswith("d"):
        horizon = as_of + timedelta(days=int(window[:-1]))
        return ~findings["overdue"].fillna(False).astype(bool) & (findings["due"] <= horizon)
    return pd.Series(True, index=findings.index)


def team_deltas(key: data.RunKey, teams: tuple[str, ...]) -> pd.DataFrame:
    """What changed since the previous run, for these teams (all when none)."""
    deltas = data.sql(key, "SELECT d.delta, d.system_id, d.check_id, c.title, d.resource, d.previous_status, "
                           "d.current_status, d.previous_as_of, s.team FROM finding_deltas AS d "
                           "JOIN systems AS s USING (system_id) LEFT JOIN check_catalog AS c USING (check_id)")
    return deltas[deltas["team"].isin(teams)] if teams else deltas


@st.cache_data(max_entries=64, show_spinner=False)
def team_figure(key: data.RunKey, name: str, teams: tuple[str, ...], by_team: bool = False) -> Any:
    """The burn-down (total with its trend, or one line per team) or the since-last-run chart for these teams,
    drawn once per run and choice."""
    if name == "deltas":
        return figures.deltas(team_deltas(key, teams))
    burn = data.view(key, "burn_down_per_team", order_by="as_of, team")
    return figures.burn_down(burn[burn["team"].isin(teams)] if teams else burn, by_team=by_team)


def render() -> None:
    _, key = data.current()
    st.title("Remediation")
    as_of = pd.Timestamp(data.as_of(key))
    open_findings = data.sql(key, "SELECT team, system_id, tier, check_id, title, resource, ticket, "
                                  "coalesce(ticket_owner, owner) AS owner, first_seen, age_days, due, overdue "
                                  "FROM findings WHERE status = 'FAIL' AND NOT suppressed "
                                  "ORDER BY overdue DESC, due, team, system_id, check_id, resource")
    teams = sorted(open_findings["team"].unique())
    # one click each: "what must my team fix this sprint" is three clicks from Posture (page, team, window)
    picked = st.pills("Team", teams, selection_mode="multi", key="team",
                      default=[t for t in st.query_params.get_all("team") if t in teams]) or []
    wanted = st.query_params.get("due", "all")
    window = st.segmented_control("Due", list(DUE_WINDOWS), format_func=DUE_WINDOWS.__getitem__, key="due_window",
                                  default=wanted if wanted in DUE_WINDOWS else "all") or "all"
    if picked:
        st.query_params["team"] = picked
    elif "team" in st.query_params:
        del st.query_params["team"]
    st.query_params["due"] = window

    mine = open_findings[open_findings["team"].isin(picked)] if picked else open_findings
    due = mine[in_window(mine, window, as_of)]
    cols = st.columns(3)
    cols[0].metric("Open findings", len(due))
    cols[1].metric("Overdue by tier SLA", int(due["overdue"].sum()))
    cols[2].metric("Without a ticket", int(due["ticket"].isna().sum()))
    scope = f"team {', '.join(picked)}" if picked else "all teams"
    st.caption(f"{scope} · {DUE_WINDOWS[window].lower()} · as of {as_of.date()}")

    deltas = team_deltas(key, tuple(picked))
    left, right = st.columns(2)
    with left:
        # the estate's (or the chosen teams') total first; a line per team only when asked, 20 lines say nothing
        by_team = st.toggle("One line per team", key="burn_down_by_team")
        st.plotly_chart(team_figure(key, "burn_down", tuple(picked), by_team), key="burn_down_chart")
    right.plotly_chart(team_figure(key, "deltas", tuple(picked)), key="deltas_chart")

    st.subheader("Open findings")
    due = due.assign(link=due["system_id"].map(system_link),
                     check=[check_label(c, t) for c, t in zip(due["check_id"], due["title"], strict=True)])
    show(due, "open_findings", links={"link": r"system=(.*)$"},
         order=["due", "overdue", "link", "check", "resource", "team", "tier", "ticket", "owner", "first_seen",
                "age_days"])
    st.subheader("Since the previous run")
    counts = deltas["delta"].value_counts()
    st.markdown("\n".join(f"- **{int(counts.get(d, 0))}** — {DELTA_WORDS[d]}" for d in DELTA_ORDER))
    deltas = deltas.assign(change=deltas["delta"].map(DELTA_WORDS).str.split(":").str[0],
                           rank=deltas["delta"].map(DELTA_ORDER.index),
                           link=deltas["system_id"].map(system_link),
                           check=[check_label(c, t or "") for c, t in zip(deltas["check_id"], deltas["title"],
                                                                           strict=True)])
    deltas = deltas.sort_values(["rank", "system_id", "check_id", "resource"])
    show(deltas, "deltas", links={"link": r"system=(.*)$"},
         order=["change", "link", "check", "resource", "previous_status", "current_status", "team", "previous_as_of"])
