"""The plotly figures shared by the dashboard and the notebooks.

Each figure is drawn from the rows it is given (a view's DataFrame); `Estate.figure` reads them, so the
dashboard can also draw a figure from rows it has filtered itself. Colours are fixed per verdict and status
everywhere, from the Okabe-Ito palette, which stays distinguishable for the common forms of colour
blindness; every chart also labels its values.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from mcp_clearance.labels import duration

VERDICT_COLOURS = {"CLEARED": "#009E73", "READ_ONLY": "#F0E442", "BLOCKED": "#D55E00"}
STATUS_COLOURS = {
    "PASS": "#009E73", "FAIL": "#D55E00", "UNKNOWN": "#999999", "NOT_APPLICABLE": "#DDDDDD",
    "passing": "#009E73", "failing": "#D55E00", "unknown": "#999999", "gap": "#56B4E9",
}
DELTA_COLOURS = {"new": "#D55E00", "unchanged": "#E69F00", "resolved": "#009E73", "incomparable": "#999999"}
VERDICT_ORDER = ["BLOCKED", "READ_ONLY", "CLEARED"]
VERDICT_LABELS = {"CLEARED": "cleared", "READ_ONLY": "read-only", "BLOCKED": "blocked"}
GATE_ORDER = ["identity", "scope", "audit"]
FRAMEWORK_STATUS_ORDER = ["failing", "unknown", "passing", "gap"]
# the gate matrix writes each cell's status and names each system up to this many rows; the dashboard shows
# GATE_MATRIX_PAGE systems at a time, so a 2,000-system estate is pages of readable rows, not a 44,000 px chart
GATE_MATRIX_TEXT_ROWS = 60
GATE_MATRIX_PAGE = 50
# the requirements x systems heatmap draws at most this many systems (those failing most requirements first)
HEATMAP_SYSTEMS = 60
DAY_S = 86_400
LIFETIME_TICKS = [(1 / 1440, "1 min"), (1 / 96, "15 min"), (1 / 24, "1 h"), (1 / 4, "6 h"), (1.0, "1 day"),
                  (7.0, "1 week"), (30.0, "30 days"), (90.0, "90 days"), (365.0, "1 year"), (1825.0, "5 years")]


def wrap(text: str, width: int = 32) -> str:
    """A long axis label on several lines (plotly's <br>), so a narrow chart shows it whole instead of cutting it."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


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
    fig.update_yaxes(title="", automargin=True)
    return _layout(fig, "Verdicts by business unit")


def gate_matrix(data: pd.DataFrame, max_labelled_rows: int = GATE_MATRIX_TEXT_ROWS) -> go.Figure:
    """Systems x gates, coloured by status; the hover names the tier, the verdict and the checks failing the gate.

    Draws the systems it is given (the dashboard pages through a large estate, GATE_MATRIX_PAGE at a time): rows are
    22 px with the status written in each cell up to `max_labelled_rows` systems, thinner and colour-only beyond,
    so the chart never grows past about 1,400 px whatever the estate."""
    codes = {"FAIL": 0, "UNKNOWN": 1, "PASS": 2}
    systems = list(dict.fromkeys(data["system_id"]))
    gates = [g for g in GATE_ORDER if g in set(data["gate"])]
    status = data.pivot(index="system_id", columns="gate", values="status").reindex(index=systems, columns=gates)
    text = status.fillna("UNKNOWN").values.tolist()  # a gate with no result is unknown, never a pass
    z = [[codes[cell] for cell in row] for row in text]
    first = data.drop_duplicates("system_id").set_index("system_id").reindex(systems)
    about = [f"tier {tier} · {VERDICT_LABELS.get(verdict, verdict)}"
             for tier, verdict in zip(first["tier"], first["verdict"], strict=True)]
    failing = (data.pivot(index="system_id", columns="gate", values="failing_checks")
               .reindex(index=systems, columns=gates).fillna("").values.tolist()
               if "failing_checks" in data.columns else [[""] * len(gates) for _ in systems])
    hover = [[f"{about[i]}<br>{g}: {text[i][j]}"
              + (f"<br>failing: {failing[i][j].replace('; ', '<br>  ')}" if failing[i][j] else "")
              for j, g in enumerate(gates)] for i in range(len(systems))]
    labelled = len(systems) <= max_labelled_rows
    fig = go.Figure(go.Heatmap(
        z=z, x=gates, y=systems, text=text if labelled else None, texttemplate="%{text}" if labelled else None,
        showscale=False, zmin=0, zmax=2, xgap=1, ygap=1 if labelled else 0,
        customdata=hover, hovertemplate="<b>%{y}</b><br>%{customdata}<extra></extra>",
        colorscale=[[0, STATUS_COLOURS["FAIL"]], [0.5, STATUS_COLOURS["UNKNOWN"]], [1, STATUS_COLOURS["PASS"]]],
    ))
    fig.update_yaxes(autorange="reversed", showticklabels=labelled, automargin=True)
    fig.update_xaxes(side="top")
    fig.update_layout(height=max(300, (22 * len(systems) if labelled else 1200) + 100))
    return _layout(fig, "Systems x gates")


def trend(data: pd.DataFrame) -> go.Figure:
    data = data[["as_of", "blocked", "read_only", "cleared"]].melt(
        id_vars="as_of", var_name="verdict", value_name="systems")
    data["verdict"] = data["verdict"].str.upper()
    fig = px.line(data, x="as_of", y="systems", color="verdict", markers=True, color_discrete_map=VERDICT_COLOURS,
                  category_orders={"verdict": VERDICT_ORDER}, labels={"as_of": "run"})
    return _layout(fig, "Verdicts over runs")


def top_failing_checks(data: pd.DataFrame) -> go.Figure:
    data = data.assign(label=[wrap(f"{c} · {t}") for c, t in zip(data["check_id"], data["title"], strict=True)])
    fig = px.bar(data, y="label", x="systems_failing", text="systems_failing", orientation="h",
                 color_discrete_sequence=[STATUS_COLOURS["FAIL"]], custom_data=["check_id"],
                 labels={"systems_failing": "systems failing"})
    fig.update_yaxes(autorange="reversed", title="", automargin=True)
    fig.update_layout(height=max(300, 40 * len(data) + 120))
    # how common a failure is, not what a fix moves: that is the "What to fund first" ranking (fix_impact)
    return _layout(fig, "Checks failing on the most systems")


def burn_down(data: pd.DataFrame, by_team: bool = False) -> go.Figure:
    """Open findings over runs (rows of burn_down_per_team): the total with its linear trend, or one line per team.

    A team with no open finding at a run has no row there: it counts 0 at every run the rows hold."""
    counts = (data.pivot_table(index="as_of", columns="team", values="open_findings", aggfunc="sum", fill_value=0)
              .sort_index() if len(data) else pd.DataFrame(index=pd.Index([], name="as_of")))
    fig = go.Figure()
    if by_team:
        for team in counts.columns:
            fig.add_trace(go.Scatter(x=counts.index, y=counts[team], name=team, mode="lines+markers"))
    else:
        total = counts.sum(axis=1)
        fig.add_trace(go.Scatter(x=total.index, y=total, name="open findings", mode="lines+markers+text",
                                 text=total, textposition="top center", line={"color": STATUS_COLOURS["FAIL"]}))
        if len(total) >= 2:
            days = (pd.to_datetime(total.index) - pd.to_datetime(total.index[0])).days.to_numpy(dtype=float)
            slope, intercept = np.polyfit(days, total.to_numpy(dtype=float), 1)
            per_week = slope * 7
            fig.add_trace(go.Scatter(x=total.index, y=intercept + slope * days, mode="lines",
                                     name=f"trend: {per_week:+.1f} per week", line={"dash": "dash", "color": "#555555"},
                                     hoverinfo="skip"))
    fig.update_xaxes(title="run")
    fig.update_yaxes(title="open findings", rangemode="tozero")
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    return _layout(fig, "Open findings per team over runs" if by_team else "Open findings over runs")


def framework_status(data: pd.DataFrame) -> go.Figure:
    counts = data.groupby(["group_value", "status"]).size().reset_index(name="requirements")
    counts["group_value"] = counts["group_value"].map(wrap)
    fig = px.bar(counts, x="requirements", y="group_value", color="status", orientation="h", text="requirements",
                 color_discrete_map=STATUS_COLOURS,
                 category_orders={"status": ["failing", "unknown", "gap", "passing"]})
    fig.update_yaxes(title="", automargin=True)
    return _layout(fig, f"{data['framework_name'].iloc[0] if len(data) else 'Framework'}: requirements by status")


def framework_scores(data: pd.DataFrame) -> go.Figure:
    """Every framework's compliance score (rows of framework_scores) with its coverage beside it, both as shares."""
    rows = data.sort_values("framework_name", ascending=False)
    fig = go.Figure()
    for column, name, colour in (("score", "score: mapped results passing", STATUS_COLOURS["passing"]),
                                 ("coverage", "coverage: requirements a check covers", STATUS_COLOURS["gap"])):
        fig.add_trace(go.Bar(
            x=rows[column], y=[wrap(n, 40) for n in rows["framework_name"]], orientation="h", name=name,
            marker_color=colour,
            text=[f"{v:.0%}" if pd.notna(v) else "—" for v in rows[column]], textposition="outside",
            customdata=rows[["framework_id"]].to_numpy(),
            hovertemplate="<b>%{y}</b><br>" + name + ": %{text}<extra></extra>",
        ))
    fig.update_xaxes(range=[0, 1.15], tickformat=".0%", title="")
    fig.update_yaxes(title="", automargin=True)
    fig.update_layout(barmode="group", height=max(260, 56 * len(rows) + 120), legend={"orientation": "h", "y": -0.15})
    return _layout(fig, "Compliance score per framework")


def requirement_failures(data: pd.DataFrame) -> go.Figure:
    """Systems failing, unknown and passing per requirement of one framework (rows of framework_status_estate)."""
    rows = data.sort_values("position")
    label = rows["requirement_id"].astype(str)
    fig = go.Figure()
    for column, status in (("systems_failing", "failing"), ("systems_unknown", "unknown"),
                           ("systems_passing", "passing")):
        fig.add_trace(go.Bar(
            x=rows[column], y=label, orientation="h", name=status, marker_color=STATUS_COLOURS[status],
            text=[v if v else "" for v in rows[column]], textposition="inside",
            customdata=rows[["requirement_id", "title"]].to_numpy(),
            hovertemplate="<b>%{customdata[0]}</b> %{customdata[1]}<br>%{x} systems " + status + "<extra></extra>",
        ))
    fig.update_xaxes(title="systems")
    fig.update_yaxes(title="", autorange="reversed", type="category", automargin=True)
    fig.update_layout(barmode="stack", height=max(300, 26 * len(rows) + 140), legend={"orientation": "h", "y": -0.15})
    return _layout(fig, "Systems failing each requirement")


def framework_heatmap(data: pd.DataFrame, max_systems: int = HEATMAP_SYSTEMS) -> go.Figure:
    """Requirements x systems for one framework (rows of framework_status), coloured by status, without text.

    At most `max_systems` columns: the systems failing most requirements first, so a large estate shows where the
    failures are; the title says how many of how many systems are drawn."""
    if data.empty:
        return _layout(go.Figure(), "Requirements x systems")
    codes = {status: i for i, status in enumerate(FRAMEWORK_STATUS_ORDER)}
    failing = (data.assign(failing=data["status"] == "failing").groupby("system_id")["failing"].sum()
               .reset_index().sort_values(["failing", "system_id"], ascending=[False, True]))
    systems = failing["system_id"].head(max_systems).tolist()
    requirements = data.drop_duplicates("requirement_id").sort_values("position")
    grid = (data[data["system_id"].isin(systems)].pivot(index="requirement_id", columns="system_id", values="status")
            .reindex(index=requirements["requirement_id"], columns=systems).fillna("unknown"))
    titles = requirements["title"].tolist()
    hover = [[f"{req} {titles[i]}<br>{system}: {grid.iat[i, j]}" for j, system in enumerate(systems)]
             for i, req in enumerate(grid.index)]
    steps = len(FRAMEWORK_STATUS_ORDER)
    colorscale = [pair for i, status in enumerate(FRAMEWORK_STATUS_ORDER)
                  for pair in ([i / steps, STATUS_COLOURS[status]], [(i + 1) / steps, STATUS_COLOURS[status]])]
    fig = go.Figure(go.Heatmap(
        z=grid.apply(lambda column: column.map(codes)).to_numpy(), x=systems, y=list(grid.index),
        zmin=-0.5, zmax=steps - 0.5, colorscale=colorscale, showscale=False, xgap=1, ygap=1,
        customdata=hover, hovertemplate="%{customdata}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed", type="category", automargin=True)
    fig.update_xaxes(type="category", tickangle=-45, automargin=True)
    fig.update_layout(height=max(300, 24 * len(grid.index) + 220))
    total = data["system_id"].nunique()
    shown = f" ({len(systems)} of {total} systems, those failing most first)" if total > len(systems) else ""
    # the legend for the colours, drawn as empty traces so it reads like the other charts'
    for status in FRAMEWORK_STATUS_ORDER:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=status, showlegend=True,
                                 marker={"symbol": "square", "size": 12, "color": STATUS_COLOURS[status]}))
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"})
    return _layout(fig, f"Requirements x systems{shown}")


def credential_lifetimes(data: pd.DataFrame) -> go.Figure:
    """One bar per credential held by an agent (rows of credential_lifetimes), its lifetime in days on a log axis
    ticked in the units people use (1 min … 1 year).

    The tier limit is a dashed line (one per distinct limit) inside the axis range; a credential that never expires
    has no length to draw and is its own marker, "never expires", at the right edge instead of a made-up bar that
    would stretch the axis; a federated credential without a lifetime of its own is marked likewise at the left."""
    rows = data.reset_index(drop=True)
    # "agent · kind", numbered where an agent holds several of a kind: a credential id is a UUID nobody reads
    base = rows["agent_id"].fillna("(no agent)") + " · " + rows["kind"]
    rows = rows.assign(label=[f"{b} #{n + 1}" if (base == b).sum() > 1 else b
                              for b, n in zip(base, base.groupby(base).cumcount(), strict=True)],
                       days=rows["lifetime_s"] / DAY_S)
    finite = rows[rows["days"].notna()]
    limits = sorted({float(v) / DAY_S for v in rows["max_credential_lifetime_s"].dropna()})
    known = list(finite["days"]) + limits
    low = min(known, default=1 / 24) / 4
    high = max(known, default=1) * 4
    fig = go.Figure()
    for over, name in ((False, "within the tier limit"), (True, "over the tier limit")):
        part = finite[finite["exceeds_tier_limit"].fillna(True) == over]
        if len(part):
            fig.add_trace(go.Bar(
                x=part["days"], y=part["label"], orientation="h", name=name,
                marker_color=STATUS_COLOURS["FAIL" if over else "PASS"],
                text=[duration(v) for v in part["lifetime_s"]], textposition="outside",
                customdata=part[["credential_id", "source_file"]].fillna("—").to_numpy(),
                hovertemplate="<b>%{y}</b><br>lifetime %{text}<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            ))
    for mask, name, where, colour, symbol in (
            (rows["never_expires"].fillna(False).astype(bool), "never expires", high / 1.6, STATUS_COLOURS["FAIL"],
             "arrow-right"),
            (rows["days"].isna() & ~rows["never_expires"].fillna(False).astype(bool), "no lifetime of its own",
             low * 1.6, STATUS_COLOURS["UNKNOWN"], "circle-open")):
        part = rows[mask]
        if len(part):
            fig.add_trace(go.Scatter(
                x=[where] * len(part), y=part["label"], mode="markers+text", name=name, text=[name] * len(part),
                textposition="middle left" if where > 1 else "middle right",
                marker={"symbol": symbol, "size": 14, "color": colour},
                customdata=part[["credential_id", "source_file"]].fillna("—").to_numpy(),
                hovertemplate="<b>%{y}</b><br>" + name + "<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            ))
    for limit in limits:
        fig.add_vline(x=limit, line_dash="dash", line_color="#333333",
                      annotation_text=f"tier limit {duration(limit * DAY_S)}", annotation_position="top")
    ticks = [(v, t) for v, t in LIFETIME_TICKS if low <= v <= high]
    fig.update_xaxes(type="log", range=[math.log10(low), math.log10(high)], title="lifetime (log scale)",
                     tickvals=[v for v, _ in ticks], ticktext=[t for _, t in ticks])
    fig.update_yaxes(title="", autorange="reversed", automargin=True)
    fig.update_layout(height=max(260, 34 * len(rows) + 140), barmode="overlay",
                      legend={"orientation": "h", "y": -0.2})
    return _layout(fig, "Credential lifetimes against the tier limit")


def deltas(data: pd.DataFrame) -> go.Figure:
    counts = data.groupby("delta").size().reset_index(name="findings")
    fig = px.bar(counts, x="delta", y="findings", color="delta", text="findings", color_discrete_map=DELTA_COLOURS,
                 category_orders={"delta": ["new", "unchanged", "resolved", "incomparable"]},
                 labels={"delta": "change since the previous run"})
    return _layout(fig, "Since the previous run")


FIGURES: dict[str, Callable[[pd.DataFrame], go.Figure]] = {
    f.__name__: f for f in (verdicts_by_tier, verdicts_by_unit, gate_matrix, trend, top_failing_checks, burn_down,
                            framework_status, framework_scores, requirement_failures, framework_heatmap,
                            credential_lifetimes, deltas)
}

