"""Rows from the views, and the words a person reads them in: shared by the Markdown and the board report.

Verdicts, gate states and checks are written as people say them ("Read-only", "check AU-02 · title"),
lifetimes in days, lists of names with their count, and a dash for a missing value, never `None`.
"""

from __future__ import annotations

from typing import Any

import duckdb

from mcp_clearance.labels import MISSING

VERDICT_WORDS = {"BLOCKED": "Blocked", "READ_ONLY": "Read-only", "CLEARED": "Cleared"}
STATUS_WORDS = {"PASS": "Pass", "FAIL": "Fail", "UNKNOWN": "Unknown", "NOT_APPLICABLE": "Not applicable"}
SECONDS_PER_DAY = 86_400


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def days_text(days: int) -> str:
    """How far a date is from the run's as-of date: 'today', 'in 10 days', '20 days ago'."""
    if days == 0:
        return "today"
    return f"in {plural(days, 'day')}" if days > 0 else f"{plural(-days, 'day')} ago"


def duration_text(seconds: float) -> str:
    """A lifetime in the unit people use for it: days from a day up, else hours, minutes or seconds."""
    for unit, size in (("day", SECONDS_PER_DAY), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            value = seconds / size
            shown = f"{value:.0f}" if value.is_integer() or value >= 10 else f"{value:.1f}"
            return f"{shown} {unit}" + ("" if shown == "1" else "s")
    return plural(int(seconds), "second")


def named(names: list[str], shown: int) -> str:
    """'a, b and c'; past `shown` names, the first ones and 'and N more': a count is never hidden."""
    if not names:
        return MISSING
    if len(names) > shown:
        return ", ".join(names[:shown]) + f" and {len(names) - shown} more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
