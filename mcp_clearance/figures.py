"""The plotly figures shared by the dashboard and the notebooks.

Each figure is drawn from the rows it is given (a view's DataFrame); `Estate.figure` reads them, so the
dashboard can also draw a figure from rows it has filtered itself. Colours are fixed per verdict and status
everywhere, from the Okabe-Ito palette, which stays distinguishable for the common forms of colour
blindness; every chart also labels its values.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

VERDICT_COLOURS = {"CLEARED": "#009E73", "READ_ONLY": "#F0E442", "BLOCKED": "#D55E00"}
STATUS_COLOURS = {
    "PASS": "#009E73", "FAIL": "#D55E00", "UNKNOWN": "#999999", "NOT_APPLICABLE": "#DDDDDD",
    "passing": "#009E73", "failing": "#D55E00", "unknown": "#999999", "gap": "#56B4E9",
}
DELTA_COLOURS = {"new": "#D55E00", "unchanged": "#E69F00", "resolved": "#009E73", "incomparable": "#999999"}
VERDICT_ORDER = ["BLOCKED", "READ_ONLY", "CLEARED"]
VERDICT_LABELS = {"CLEARED": "cleared", "READ_ONLY": "read-only", "BLOCKED": "blocked"}
GATE_ORDER = ["identity", "scope", "audit"]


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(title=title, template="plotly_white", legend_title_text="", margin={"t": 60, "l": 10, "r": 10})
    return fig


def verdicts_by_tier(data: pd.DataFrame) -> go.Figure:
    fig = px.bar(data, x="tier", y="systems", color="verdict", text="systems", color_discrete_map=VERDICT_COLOURS,
                 category_orders={"verdict": VERDICT_ORDER}, custom_data=["verdict"])
    fig.update_xaxes(type="category", title="tier (1 = critical)")
    return _layout(fig, "Verdicts by tier")


def verdicts_by_unit(data: pd.DataFrame) -> go.Figure:
    fig = px.bar(data, y="business_unit", x="systems", color="verdict", text="systems", orientation="h",
                 color_discrete_map=VERDICT_COLOURS, category_orders={"verdict": VERDICT_ORDER},
                 custom_data=["verdict"])
    fig.update_yaxes(title="")
    return _layout(fig, "Verdicts by business unit")


def gate_matrix(data: pd.DataFrame) -> go.Figure:
    codes = {"FAIL": 0, "UNKNOWN": 1, "PASS": 2}
    systems = list(dict.fromkeys(data["system_id"]))
    gates = [g for g in GATE_ORDER if g in set(data["gate"])]
    status = data.pivot(index="system_id", columns="gate", values="status").reindex(index=systems, columns=gates)
    text = status.fillna("UNKNOWN").values.tolist()  # a gate with no result is unknown, never a pass
    z = [[codes[cell] for cell in row] for row in text]
    # the hover names the system's tier and verdict and, when the rows carry them, the checks failing the gate
    first = data.drop_duplicates("system_id").set_index("system_id")
    failing = (data.pivot(index="system_id", columns="gate", values="failing_checks").reindex(index=systems,
                                                                                             columns=gates)
               if "failing_checks" in data.columns else pd.DataFrame("", index=systems, columns=gates))
    hover = [[f"tier {first.loc[s, 'tier']} · {VERDICT_LABELS.get(first.loc[s, 'verdict'], first.loc[s, 'verdict'])}"
              f"<br>{g}: {text[i][j]}" + (f"<br>failing: {failing.loc[s, g]}" if failing.loc[s, g] else "")
              for j, g in enumerate(gates)] for i, s in enumerate(systems)]
    fig = go.Figure(go.Heatmap(
        z=z, x=gates, y=systems, text=text, texttemplate="%{text}", showscale=False, zmin=0, zmax=2,
        customdata=hover, hovertemplate="<b>%{y}</b> %{customdata}<extra></extra>",
        colorscale=[[0, STATUS_COLOURS["FAIL"]], [0.5, STATUS_COLOURS["UNKNOWN"]], [1, STATUS_COLOURS["PASS"]]],
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=max(300, 22 * len(systems) + 80))
    return _layout(fig, "Systems x gates")


def trend(data: pd.DataFrame) -> go.Figure:
    data = data[["as_of", "blocked", "read_only", "cleared"]].melt(
        id_vars="as_of", var_name="verdict", value_name="systems")
    data["verdict"] = data["verdict"].str.upper()
    fig = px.line(data, x="as_of", y="systems", color="verdict", markers=True, color_discrete_map=VERDICT_COLOURS,
                  category_orders={"verdict": VERDICT_ORDER}, labels={"as_of": "run"})
    return _layout(fig, "Verdicts over runs")


def top_failing_checks(data: pd.DataFrame) -> go.Figure:
    data = data.assign(label=data["check_id"] + " · " + data["title"])
    fig = px.bar(data, y="label", x="systems_failing", text="systems_failing", orientation="h",
                 color_discrete_sequence=[STATUS_COLOURS["FAIL"]], custom_data=["check_id"],
                 labels={"systems_failing": "systems failing"})
    fig.update_yaxes(autorange="reversed", title="")
    # how common a failure is, not what a fix moves: that is the "What to fund first" ranking (fix_impact)
    return _layout(fig, "Checks failing on the most systems")


def burn_down(data: pd.DataFrame) -> go.Figure:
    fig = px.line(data, x="as_of", y="open_findings", color="team", markers=True,
                  labels={"as_of": "run", "open_findings": "open findings"})
    return _layout(fig, "Open findings per team over runs")


def framework_status(data: pd.DataFrame) -> go.Figure:
    counts = data.groupby(["group_value", "status"]).size().reset_index(name="requirements")
    fig = px.bar(counts, x="requirements", y="group_value", color="status", orientation="h", text="requirements",
                 color_discrete_map=STATUS_COLOURS,
                 category_orders={"status": ["failing", "unknown", "gap", "passing"]})
    fig.update_yaxes(title="")
    return _layout(fig, f"{data['framework_name'].iloc[0] if len(data) else 'Framework'}: requirements by status")


def credential_lifetimes(data: pd.DataFrame) -> go.Figure:
    data = data.copy()
    limit_h = (data["max_credential_lifetime_s"].iloc[0] / 3600) if len(data) else None
    # a credential that never expires is drawn at ten times the limit, labelled "never expires"
    data["lifetime_h"] = data["lifetime_s"] / 3600
    if limit_h:
        data.loc[data["never_expires"], "lifetime_h"] = limit_h * 10
    data["label"] = data["kind"] + " " + data["credential_id"].astype(str).str[:18]
    data["state"] = data["exceeds_tier_limit"].map({True: "FAIL", False: "PASS"})
    data["lifetime"] = [
        "never expires" if never else "unknown lifetime" if pd.isna(seconds) else f"{seconds / 3600:g} h"
        for never, seconds in zip(data["never_expires"], data["lifetime_s"], strict=True)
    ]
    fig = px.bar(data, x="lifetime_h", y="label", color="state", orientation="h", log_x=True, text="lifetime",
                 color_discrete_map=STATUS_COLOURS, hover_data=["agent_id", "never_expires", "source_file"])
    if limit_h:
        fig.add_vline(x=limit_h, line_dash="dash", annotation_text=f"tier limit {limit_h:g} h")
    fig.update_xaxes(title="lifetime (hours, log scale)")
    fig.update_yaxes(title="")
    return _layout(fig, "Credential lifetimes against the tier limit")


def deltas(data: pd.DataFrame) -> go.Figure:
    counts = data.groupby("delta").size().reset_index(name="findings")
    fig = px.bar(counts, x="delta", y="findings", color="delta", text="findings", color_discrete_map=DELTA_COLOURS,
                 category_orders={"delta": ["new", "unchanged", "resolved", "incomparable"]},
                 labels={"delta": "change since the previous run"})
    return _layout(fig, "Since the previous run")


FIGURES: dict[str, Callable[[pd.DataFrame], go.Figure]] = {
    f.__name__: f for f in (verdicts_by_tier, verdicts_by_unit, gate_matrix, trend, top_failing_checks, burn_down,
                            framework_status, credential_lifetimes, deltas)
}

