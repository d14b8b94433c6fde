"""Posture: the CISO's one screen. Every number opens the systems it counts (Systems page, filters in the URL)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from mcp_clearance import figures
from mcp_clearance.api import share
from mcp_clearance.dashboard import data
from mcp_clearance.dashboard.nav import go, link
from mcp_clearance.labels import MISSING

STAGE_WORDS = {"READ_ONLY": "read-only", "CLEARED": "cleared"}
QUICK_WINS_SHOWN = 10  # on Posture, tier 1 first; the Systems list has the rest
# SQL: a check's effort as a rank, lowest first (as text, "high" would sort before "low")
EFFORT_RANK = "CASE effort WHEN 'low' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"


def _tile(column: Any, label: str, name: str, history: Any, s: Any, help: str, better: str) -> None:
    """A verdict tile: this run's count, its change since the previous run (history tables) and the trend line of
    every run. `better` says which way is good ("up" for cleared, "down" for blocked, "off" for read-only)."""
    runs = history[name].astype(int).tolist()
    change = int(s[name]) - runs[-2] if len(runs) > 1 else None
    since = f"since {pd.Timestamp(history['as_of'].iloc[-2]).date()}" if len(runs) > 1 else None
    colour = {"up": "normal", "down": "inverse"}.get(better, "off")
    column.metric(label, int(s[name]), change, delta_color=colour if change else "off",
                  delta_arrow="auto" if change else "off", delta_description=since, help=help,
                  chart_data=runs if len(runs) > 1 else None, chart_type="area", border=True)


def _tiles(key: data.RunKey) -> None:
    s = data.summary(key)
    history = data.view(key, "trend_per_run", order_by="as_of")
    # the three verdicts in a row of their own (they add up to the estate), then coverage and expiring exceptions:
    # five tiles in one row leave each too narrow for its label and trend at 1024 px
    cols = st.columns(3) + st.columns(3)[:2]
    _tile(cols[0], "Cleared", "cleared", history, s, "all three gates pass at the system's tier", "up")
    with cols[0]:
        link("systems", "See cleared systems", {"verdict": "CLEARED"}, icon=":material/arrow_forward:")
    _tile(cols[1], "Read-only", "read_only", history, s, "identity and audit pass; write access not cleared", "off")
    with cols[1]:
        link("systems", "See read-only systems", {"verdict": "READ_ONLY"}, icon=":material/arrow_forward:")
    # insufficient evidence is a kind of blocked, shown inside its tile: the tiles add up to the estate
    _tile(cols[2], "Blocked", "blocked", history, s, "a gate fails, or evidence is missing", "down")
    with cols[2]:
        link("systems", "See blocked systems", {"verdict": "BLOCKED"}, icon=":material/arrow_forward:")
        link("systems", f"of which {int(s['insufficient_evidence'])} lack evidence", {"evidence": "insufficient"})
    cols[3].metric("Evidence coverage", share(s["evidence_coverage"]), border=True,
                   help="share of needed evidence present, averaged over systems and gates")
    with cols[3]:
        link("data_page", "What was read", icon=":material/arrow_forward:")
    cols[4].metric("Exceptions expiring ≤ 30 days", int(s["exceptions_expiring_30d"]), border=True)
    with cols[4]:
        link("exceptions", "See exceptions", {"state": "expiring"}, icon=":material/arrow_forward:")
    st.caption(f"After accepted risk: {int(s['cleared_after_risk'])} cleared · {int(s['read_only_after_risk'])} "
               f"read-only · {int(s['blocked_after_risk'])} blocked. Raw verdicts above never count an exception. "
               "Changes are since the previous run.")


def _impact(key: data.RunKey) -> None:
    st.subheader("What to fund first")
    st.caption("Fixes ranked by how many systems each moves to their next stage on its own "
               "(blocked → read-only, read-only → cleared).")
    fixes = data.view(key, "fix_impact", order_by=f"systems_moved DESC, {EFFORT_RANK}, systems_on_path DESC, check_id")
    top = fixes[fixes["systems_moved"] > 0].head(5)
    if top.empty:
        st.info("No single fix moves a system to its next stage: every system short of cleared needs several.")
    for row in top.itertuples():
        stages = " and ".join(f"{n} to {STAGE_WORDS[stage]}" for n, stage in
                              ((row.to_read_only, "READ_ONLY"), (row.to_cleared, "CLEARED")) if n)
        link("systems", f"check {row.check_id} · {row.title} — moves {row.systems_moved} "
                        f"system{'s' if row.systems_moved != 1 else ''} ({stages}) · effort {row.effort}",
             {"moved_by": row.check_id}, icon=":material/trending_up:")
    wins = data.view(key, "quick_wins", order_by=f"tier, {EFFORT_RANK}, system_id")
    st.markdown(f"**Quick wins: {len(wins)} systems are one fix from their next stage.**")
    # links, not a table: a table costs Posture half a second of its 2-second render, and the Systems list
    # shows them all with every column
    for row in wins.head(QUICK_WINS_SHOWN).itertuples():
        link("system", f"{row.system_id} (tier {row.tier}, team {row.team or MISSING}) → {STAGE_WORDS[row.next_stage]} "
                       f"with check {row.check_id} · {row.title} · effort {row.effort}",
             {"system": row.system_id}, icon=":material/bolt:")
    link("systems", f"See all {len(wins)} in the Systems list" if len(wins) > QUICK_WINS_SHOWN
         else "See them in the Systems list", {"fixes": "1"}, icon=":material/arrow_forward:")


def _chart(key: data.RunKey, name: str, widget: str) -> dict[str, Any] | None:
    """A chart whose bars and cells open the systems they count: the clicked point, or None."""
    event = st.plotly_chart(data.figure(key, name), key=widget, on_select="rerun", selection_mode="points")
    points = event.selection.points if event else []
    return points[0] if points else None


def _gate_matrix(key: data.RunKey) -> None:
    """Systems x gates, GATE_MATRIX_PAGE systems at a time (tier 1 first): a large estate is pages of readable rows,
    never one chart 22 px per system tall. A cell is one system: a click opens its System page."""
    systems = data.view(key, "verdicts", order_by="tier, system_id")["system_id"].tolist()
    size = figures.GATE_MATRIX_PAGE
    pages = [(start, min(start + size, len(systems))) for start in range(0, len(systems), size)]
    if len(pages) > 1:
        start, end = st.selectbox("Systems in the matrix", pages, key="gate_matrix_page",
                                  format_func=lambda p: f"{p[0] + 1}–{p[1]} of {len(systems)} (by tier)")
        filters: dict[str, Any] = {"system_id": tuple(systems[start:end])}
    else:
        filters = {}
    event = st.plotly_chart(data.figure(key, "gate_matrix", **filters), key="gate_matrix_chart", on_select="rerun",
                            selection_mode="points")
    if event and event.selection.points:
        go("system", {"system": event.selection.points[0]["y"]})


def render() -> None:
    _, key = data.current()
    s = data.summary(key)
    st.title("Posture")
    st.caption(f"As of {data.as_of(key)} · {s['systems']} systems")
    _tiles(key)

    moved = data.sql(key, "SELECT system_id, derived_tier, effective_tier, tier_override_status FROM verdicts "
                          "WHERE derived_tier <> effective_tier OR tier_override_status = 'lowering_not_applied'")
    if len(moved):
        st.caption("Derived vs effective tier: " + "; ".join(
            f"{r.system_id} derived {r.derived_tier}, effective {r.effective_tier} ({r.tier_override_status})"
            for r in moved.itertuples()))

    st.subheader("Board summary")
    st.info(data.board_summary(key))
    _impact(key)

    st.caption("Click a bar or a cell to open the systems it counts.")
    left, right = st.columns(2)
    with left:
        if point := _chart(key, "verdicts_by_tier", "tier_chart"):
            go("systems", {"tier": str(point["x"]), "verdict": point["customdata"][0]})
    with right:
        if point := _chart(key, "verdicts_by_unit", "unit_chart"):
            go("systems", {"business_unit": point["y"], "verdict": point["customdata"][0]})
    # no separate "verdicts over runs" chart: each verdict tile draws its own trend, and a chart costs the page
    # about a quarter of a second of its 2-second render budget
    if point := _chart(key, "top_failing_checks", "top_checks_chart"):
        go("systems", {"failing_check": point["customdata"][0]})
    _gate_matrix(key)
