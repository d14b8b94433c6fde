"""The board report: one printable HTML page (`mcp-clearance report --format html`).

Verdict totals with their trend, the tier-1 systems, the five fixes that move the most systems, the
exceptions about to expire and the evidence that is missing, named by system. Every number is read
from the named views (estate_summary, trend_per_run, verdicts, path_to_clearance, fix_impact,
exceptions_audit, system_evidence), so the page agrees with the dashboard and the other reports.

The page is self-contained (inline CSS and SVG, no script, font or request to anywhere) and its
print CSS fits it on one A4 or Letter sheet, so the browser's "Print → Save as PDF" (or headless
Chromium's `--print-to-pdf`) gives the PDF. Jinja2 escapes every value, and every string that came
from an input file was redacted before it reached the database.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Any

import duckdb
import jinja2

from mcp_clearance import __version__
from mcp_clearance.labels import MISSING, check_label
from mcp_clearance.readout import VERDICT_WORDS, days_text, named, rows

TEMPLATE = "board_report.html"
TOP_FIXES = 5
EXPIRY_WINDOW_DAYS = 30
# a board page has room for this many names in one list; the rest are counted, never dropped silently
NAMES_SHOWN = 14
TIER1_ROWS = 12
# the dashboard's colour-blind-safe verdict colours (Okabe-Ito, figures.VERDICT_COLOURS), text colour for contrast
VERDICT_STYLE = {"CLEARED": ("#009E73", "#FFFFFF"), "READ_ONLY": ("#F0E442", "#000000"),
                 "BLOCKED": ("#D55E00", "#FFFFFF")}
VERDICT_ORDER = ("BLOCKED", "READ_ONLY", "CLEARED")
EFFORT_RANK = "CASE effort WHEN 'low' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"
# the evidence families of system_evidence a system can lack (inventory and policy are always present)
EVIDENCE_FAMILIES = {
    "connectors": "MCP client configs",
    "tools": "tool listings",
    "credentials": "credential inventory",
    "audit": "audit logs",
    "target_logs": "target-system logs",
    "sink_declarations": "log-sink declarations",
}
EXCEPTION_STATES = {"active": "active", "unused": "unused", "expired": "expired", "invalid": "invalid",
                    "not_yet_active": "not yet active"}


def _totals(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    summary = rows(con, "SELECT * FROM estate_summary")[0]
    trend = rows(con, "SELECT * FROM trend_per_run ORDER BY as_of")
    previous = trend[-2] if len(trend) > 1 else None
    first = trend[0] if len(trend) > 1 else None
    tiles = []
    for verdict in VERDICT_ORDER:
        column = verdict.lower()
        tiles.append({
            "verdict": verdict, "label": VERDICT_WORDS[verdict], "count": summary[column],
            "after_risk": summary[f"{column}_after_risk"],
            "change": None if previous is None else summary[column] - previous[column],
            "change_since_first": None if first is None else summary[column] - first[column],
            "colour": VERDICT_STYLE[verdict][0], "text_colour": VERDICT_STYLE[verdict][1],
        })
    return {"summary": summary, "tiles": tiles, "trend": trend,
            "previous_as_of": previous["as_of"] if previous else None,
            "first_as_of": first["as_of"] if first else None,
            "trend_svg": _trend_svg(trend)}


def _trend_svg(trend: list[dict[str, Any]]) -> dict[str, Any]:
    """Geometry of the stacked bars of verdicts per run (drawn as inline SVG by the template)."""
    width, height, gap = 300, 84, 4
    top = max((r["systems"] for r in trend), default=1) or 1
    bar = (width - gap * (len(trend) - 1)) / max(len(trend), 1)
    bars = []
    for i, run in enumerate(trend):
        x, y = i * (bar + gap), float(height)
        segments = []
        for verdict in VERDICT_ORDER:
            h = run[verdict.lower()] / top * height
            y -= h
            segments.append({"y": round(y, 1), "h": round(h, 1), "colour": VERDICT_STYLE[verdict][0],
                             "title": f"{run['as_of']}: {run[verdict.lower()]} {VERDICT_WORDS[verdict].lower()}"})
        bars.append({"x": round(x, 1), "w": round(bar, 1), "segments": segments})
    return {"width": width, "height": height, "bars": bars}


def _tier1(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    systems = rows(con, "SELECT system_id, system_name, business_unit, verdict, verdict_after_risk, "
                        "insufficient_evidence, len(failing_checks) AS failing, len(unknown_checks) AS unknown "
                        "FROM verdicts WHERE tier = 1 ORDER BY CASE verdict WHEN 'BLOCKED' THEN 0 WHEN 'READ_ONLY' "
                        "THEN 1 ELSE 2 END, system_id")
    steps = rows(con, "SELECT system_id, next_stage, check_id, title, effort, count(*) OVER (PARTITION BY system_id) "
                      "AS steps FROM path_to_clearance WHERE tier = 1 QUALIFY step = 1")
    first_step = {s["system_id"]: s for s in steps}
    for system in systems:
        step = first_step.get(system["system_id"])
        system["next"] = None if step is None else {
            "stage": VERDICT_WORDS[step["next_stage"]].lower(), "check": check_label(step["check_id"], step["title"]),
            "effort": step["effort"], "more": step["steps"] - 1}
    counts = {v: sum(1 for s in systems if s["verdict"] == v) for v in VERDICT_ORDER}
    return {"systems": systems[:TIER1_ROWS], "not_shown": systems[TIER1_ROWS:], "count": len(systems),
            "counts": counts}


def _fixes(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    fixes = rows(con, f"SELECT * FROM fix_impact WHERE systems_moved > 0 ORDER BY systems_moved DESC, {EFFORT_RANK}, "
                      f"systems_on_path DESC, check_id LIMIT {TOP_FIXES}")
    for fix in fixes:
        fix["check"] = check_label(fix["check_id"], fix["title"])
        fix["stages"] = " and ".join(f"{n} to {VERDICT_WORDS[stage].lower()}" for n, stage in
                                     ((fix["to_read_only"], "READ_ONLY"), (fix["to_cleared"], "CLEARED")) if n)
        fix["systems"] = named(list(fix["systems_moved_ids"]), NAMES_SHOWN)
    quick_wins = con.execute("SELECT count(*) FROM quick_wins").fetchone()[0]
    return {"fixes": fixes, "quick_wins": quick_wins}


def _exceptions(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    expiring = rows(con, "SELECT a.*, c.title FROM exceptions_audit AS a LEFT JOIN check_catalog AS c USING (check_id) "
                         "WHERE a.state IN ('active', 'unused') AND a.days_to_expiry <= ? "
                         "ORDER BY a.days_to_expiry, a.exception_id", [EXPIRY_WINDOW_DAYS])
    for e in expiring:
        e["check"] = check_label(e["check_id"], e["title"])
        e["when"] = days_text(e["days_to_expiry"])
        e["state_label"] = EXCEPTION_STATES[e["state"]]
    states = dict(con.execute("SELECT state, count(*) FROM exceptions_audit GROUP BY state").fetchall())
    others = [f"{n} {EXCEPTION_STATES.get(state, state)}" for state, n in sorted(states.items())
              if state in ("expired", "invalid", "not_yet_active")]
    return {"expiring": expiring, "window": EXPIRY_WINDOW_DAYS, "total": sum(states.values()), "others": others}


def _evidence(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    presence = rows(con, "SELECT system_id, evidence_present FROM system_evidence ORDER BY system_id")
    gaps = []
    for family, text in EVIDENCE_FAMILIES.items():
        lacking = [p["system_id"] for p in presence if family not in p["evidence_present"]]
        if lacking:
            gaps.append({"label": text, "count": len(lacking), "systems": named(lacking, NAMES_SHOWN)})
    complete = sum(1 for p in presence if all(f in p["evidence_present"] for f in EVIDENCE_FAMILIES))
    insufficient = [r["system_id"] for r in rows(con, "SELECT system_id FROM verdicts WHERE insufficient_evidence "
                                                      "ORDER BY system_id")]
    average = con.execute("SELECT evidence_coverage FROM estate_summary").fetchone()[0]
    return {"gaps": gaps, "complete": complete, "systems": len(presence), "average": f"{average or 0:.0%}",
            "insufficient": named(insufficient, NAMES_SHOWN) if insufficient else None,
            "insufficient_count": len(insufficient)}


def board_data(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Everything the board page shows, read from the views of the published run."""
    totals = _totals(con)
    deviations = con.execute("SELECT count(*) FROM policy_deviation_report WHERE direction = 'looser'").fetchone()[0]
    return {
        "as_of": totals["summary"]["as_of"], "version": __version__, "totals": totals, "tier1": _tier1(con),
        "fixes": _fixes(con), "exceptions": _exceptions(con), "evidence": _evidence(con),
        "looser_deviations": deviations, "verdict_words": VERDICT_WORDS, "verdict_style": VERDICT_STYLE,
    }


def _shown(value: Any) -> Any:
    """What a cell shows: a dash for a missing value, a date without its time, never `None`."""
    if value is None:
        return MISSING
    if isinstance(value, date):
        return value.isoformat()[:10]
    return value


def _signed(value: int | None) -> str:
    if value is None:
        return MISSING
    return "no change" if value == 0 else f"{value:+d}".replace("-", "−")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: resources.files("mcp_clearance").joinpath(name).read_text()),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        finalize=_shown,
    )
    env.filters["signed"] = _signed
    return env


def render_html(con: duckdb.DuckDBPyConnection) -> str:
    return environment().get_template(TEMPLATE).render(**board_data(con))
