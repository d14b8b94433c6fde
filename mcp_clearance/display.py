"""Rich output for notebooks: tables people can read and charts that render anywhere.

`Table` shows a DataFrame the way the dashboard does: human column labels, verdicts and statuses as coloured
badges with their label written out, long text wrapped, a dash for a missing value, shares as percentages,
durations in words, dates without times, checks with their titles ("check AU-02 · title", never confused with a
framework's control ids) and no md5-like ids (finding and event ids are keys for joins, not for reading).

`Chart` shows a plotly figure twice in one output: as plotly's own JSON, which JupyterLab, Notebook 7 and VS Code
draw interactively, and as a PNG, which every other renderer (GitHub, nbviewer, nbconvert) falls back to. The
PNG is drawn by kaleido (v1) in the machine's Chrome or Chromium — found on PATH or through the BROWSER_PATH
environment variable — with the plotly.js of the installed plotly package and MathJax off, so nothing is
downloaded; kaleido's own browser download is never used. Without kaleido or a browser the chart is still drawn
interactively and the output says why it has no image.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from mcp_clearance.figures import STATUS_COLOURS, VERDICT_COLOURS
from mcp_clearance.labels import MISSING, check_label, duration, label

VALUE_LABELS = {
    "CLEARED": "Cleared", "READ_ONLY": "Read-only", "BLOCKED": "Blocked",
    "PASS": "Pass", "FAIL": "Fail", "UNKNOWN": "Unknown", "NOT_APPLICABLE": "Not applicable",
}
# badges on dark colours get white text; the light ones (yellow, greys, light blue) keep black
LIGHT_BADGES = {"READ_ONLY", "UNKNOWN", "NOT_APPLICABLE", "unknown", "gap"}
BADGE_COLUMNS = re.compile(r"^(verdict|verdict_after_risk|next_stage|status|previous_status|current_status"
                           r"|identity_gate|scope_gate|audit_gate)$")
SHARE_COLUMNS = re.compile(r"(_share|^coverage|^evidence_coverage)$")
DURATION_COLUMNS = re.compile(r"_s$")
CHECK_LIST_COLUMNS = {"failing_checks", "unknown_checks", "failing_checks_after_risk", "advisory_checks", "checks"}
MD5_LIKE = re.compile(r"^[0-9a-f]{32}$")
CELL_STYLE = "text-align:left;vertical-align:top;white-space:normal;max-width:36em"
STATIC_WIDTH = 900  # px of the fallback image; its height is the figure's own


def badge(value: str) -> str:
    """A verdict or status as a coloured badge that also says it in words (colour is never the only cue)."""
    colour = VERDICT_COLOURS.get(value) or STATUS_COLOURS.get(value)
    text = html.escape(VALUE_LABELS.get(value, value))
    if colour is None:
        return text
    ink = "#000000" if value in LIGHT_BADGES else "#FFFFFF"
    return (f"<span style='background:{colour};color:{ink};padding:1px 6px;border-radius:4px;"
            f"font-weight:600;white-space:nowrap'>{text}</span>")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array is a value, even an empty one
        return False


def _is_md5_column(series: pd.Series) -> bool:
    present = series.dropna()
    return len(present) > 0 and present.map(lambda v: isinstance(v, str) and bool(MD5_LIKE.match(v))).all()


class Table:
    """A DataFrame for reading: `_repr_html_` for notebooks, `str()` for consoles, `.frame` for the cells."""

    def __init__(self, frame: pd.DataFrame, check_titles: Mapping[str, str] | None = None,
                 columns: Sequence[str] | None = None, caption: str | None = None) -> None:
        if columns is not None:
            unknown = [c for c in columns if c not in frame.columns]
            if unknown:
                raise ValueError(f"no column {unknown[0]!r} to show; the columns are {', '.join(map(str, frame))}")
            frame = frame[list(columns)]
        self._titles = dict(check_titles or {})
        self.caption = caption
        self._source = self._readable_shape(frame)

    def _readable_shape(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Named index levels become columns, md5-like ids go, a check's title joins its id."""
        if any(name is not None for name in frame.index.names):
            frame = frame.reset_index()
        frame = frame.loc[:, [c for c in frame.columns if not _is_md5_column(frame[c])]]
        if "check_id" in frame.columns:
            frame = frame.copy()
            titles = frame["title"] if "title" in frame.columns else frame["check_id"].map(self._titles)
            frame["check_id"] = [MISSING if _missing(c) else check_label(c, t) if not _missing(t) else f"check {c}"
                                 for c, t in zip(frame["check_id"], titles, strict=True)]
            frame = frame.drop(columns=["title"], errors="ignore")
        return frame

    def _text(self, name: str, value: Any) -> str:
        """One cell as text."""
        if isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and not isinstance(value, str)):
            items = list(value.tolist() if hasattr(value, "tolist") else value)
            if name in CHECK_LIST_COLUMNS:
                items = [check_label(c, self._titles[c]) if c in self._titles else f"check {c}" for c in items]
            return "; ".join(map(str, items)) if items else MISSING
        if _missing(value):
            return MISSING
        if isinstance(value, bool):
            return "yes" if value else "no"
        if SHARE_COLUMNS.search(name) and isinstance(value, int | float):
            return f"{value:.0%}"
        if DURATION_COLUMNS.search(name) and isinstance(value, int | float):
            return duration(value)
        if isinstance(value, datetime):  # pandas Timestamps too
            return value.date().isoformat() if value.time() == datetime.min.time() else f"{value:%Y-%m-%d %H:%M}"
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float):
            return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
        return VALUE_LABELS.get(value, str(value)) if BADGE_COLUMNS.match(name) else str(value)

    def _headers(self) -> list[str]:
        return [VALUE_LABELS.get(str(name)) or label(str(name)) for name in self._source.columns]

    def _columns(self) -> list[tuple[str, list[Any]]]:
        # tolist() gives Python values (int, bool, Timestamp), not numpy scalars
        return [(str(name), self._source[name].tolist()) for name in self._source.columns]

    @property
    def frame(self) -> pd.DataFrame:
        """The cells as shown, under their labels."""
        cells = [[self._text(name, v) for v in values] for name, values in self._columns()]
        return pd.DataFrame(list(zip(*cells, strict=True)) if cells else [], columns=self._headers())

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='{CELL_STYLE}'>{html.escape(h)}</th>" for h in self._headers())
        columns = [[badge(v) if BADGE_COLUMNS.match(name) and isinstance(v, str) else html.escape(self._text(name, v))
                    for v in values] for name, values in self._columns()]
        rows = "".join("<tr>" + "".join(f"<td style='{CELL_STYLE}'>{cell}</td>" for cell in row) + "</tr>"
                       for row in zip(*columns, strict=True))
        caption = f"<caption style='text-align:left'>{html.escape(self.caption)}</caption>" if self.caption else ""
        empty = "" if rows else f"<tr><td colspan='{max(1, len(self._source.columns))}'>no rows</td></tr>"
        return (f"<table class='mcp-clearance-table'>{caption}<thead><tr>{head}</tr></thead>"
                f"<tbody>{rows}{empty}</tbody></table>")

    def __repr__(self) -> str:
        frame = self.frame
        text = "(no rows)" if frame.empty else frame.to_string(index=False, max_colwidth=80)
        return f"{self.caption}\n{text}" if self.caption else text

    def __len__(self) -> int:
        return len(self._source)


def static_png(fig: go.Figure) -> tuple[bytes | None, str | None]:
    """The figure as a PNG drawn in the machine's Chromium, or why it could not be drawn."""
    try:
        import kaleido
        from kaleido.errors import ChromeNotFoundError
    except ImportError:
        return None, "no static image: kaleido is not installed (pip install kaleido)"
    size = {"width": fig.layout.width or STATIC_WIDTH, "height": fig.layout.height or 450}
    try:
        # one browser per image: kaleido's shared server waits forever when its browser fails to start
        image = kaleido.calc_fig_sync(fig.to_dict(), opts={"format": "png", **size}, kopts={"mathjax": False})
    except ChromeNotFoundError:
        return None, "no static image: no Chrome or Chromium found; install chromium or set BROWSER_PATH"
    except Exception as exc:  # the browser failed to start or render: the interactive chart still shows
        return None, f"no static image: the browser could not draw it ({type(exc).__name__})"
    return image, None


class Chart:
    """A plotly figure for notebooks: interactive where the front end draws plotly, a PNG everywhere else."""

    def __init__(self, figure: go.Figure) -> None:
        self.figure = figure

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(pio.renderers["plotly_mimetype"].to_mimebundle(self.figure.to_dict()))
        image, problem = static_png(self.figure)
        title = self.figure.layout.title.text or "chart"
        if image is not None:
            bundle["image/png"] = base64.b64encode(image).decode("ascii")
        bundle["text/plain"] = title if problem is None else f"{title} — {problem}"
        return bundle

    def __repr__(self) -> str:
        return f"Chart({self.figure.layout.title.text or 'untitled'})"
