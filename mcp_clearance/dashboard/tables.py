"""Tables people can read: every st.dataframe of the dashboard goes through `show`.

`show` gives each column a human label, shares as progress bars, dates without times, durations in
words ("5 min", "90 days"), lists as chips, a dash for a missing value, and links where asked. Labels
come from LABELS, else from the column name (snake_case turned into words), so no raw name shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from mcp_clearance.dashboard.style import colour_cells

MISSING = "—"
LABELS = {
    "link": "System", "system_id": "System", "system_name": "Name", "system": "System", "agent_id": "Agent",
    "agent_name": "Name",
    "verdict": "Verdict", "verdict_after_risk": "After accepted risk", "tier": "Tier", "derived_tier": "Derived tier",
    "tier_reason": "Why this tier", "identity_gate": "Identity", "scope_gate": "Scope", "audit_gate": "Audit",
    "business_unit": "Business unit", "check": "Check", "check_id": "Check", "requirement_id": "Requirement",
    "first_seen": "First seen", "age_days": "Age (days)", "due": "Due", "overdue": "Overdue",
    "blocking_checks": "Blocking checks", "fixes_to_next_stage": "Fixes to next stage", "next_stage": "Next stage",
    "insufficient_evidence": "Insufficient evidence", "coverage": "Evidence coverage",
    "agent_share": "Agent identified", "user_share": "Delegated user logged", "decision_share": "Decision logged",
    "trace_share": "Trace id", "target_linked_share": "Linked to target", "last_call": "Last call",
    "first_call": "First call", "calls": "Calls", "systems_served": "Systems served", "identities": "Identities",
    "credentials": "Credentials", "never_expiring": "Never expire", "over_tier_limit": "Over tier limit",
    "longest_lifetime_s": "Longest lifetime", "tier_limit_s": "Tier limit", "lifetime_s": "Lifetime",
    "max_credential_lifetime_s": "Tier limit", "systems_moved": "Systems it moves", "to_read_only": "To read-only",
    "to_cleared": "To cleared", "systems_moved_ids": "Moves", "systems_on_path": "Systems needing it",
    "days_to_expiry": "Days to expiry", "findings_covered": "Findings covered", "state_reason": "Why",
    "exception_id": "Exception", "reason_kind": "Kind of reason", "source_file": "File", "source_line": "Line",
    "rows_loaded": "Rows loaded", "rows_quarantined": "Rows quarantined", "rows_skipped": "Rows skipped",
    "catalog_hash": "Catalog version",
    "published_at": "Published", "as_of": "As of", "server_name": "Server", "tool_name": "Tool",
    "read_only_hint": "Read-only hint", "destructive_hint": "Destructive hint", "is_write": "Writes",
    "is_destructive": "Destructive", "reaches_secrets": "Reaches secrets", "is_financial": "Financial",
    "is_admin": "Admin", "is_egress": "Egress", "package_name": "Package", "package_version": "Version",
    "package_pinned": "Pinned", "tools_allow": "Allowed tools", "never_expires": "Never expires",
    "exceeds_tier_limit": "Over tier limit", "issued_at": "Issued", "expires_at": "Expires",
    "last_used_at": "Last used", "last_rotated_at": "Last rotated", "source_format": "Source", "credential_id":
    "Credential", "previous_status": "Before", "current_status": "Now", "previous_as_of": "Previous run",
    "delta": "Change", "state_badge": "State", "sha256": "SHA-256 (start)", "ticket_owner": "Ticket owner",
}
SHARES = re.compile(r"(_share|^coverage|^evidence_coverage)$")
DURATIONS = re.compile(r"_s$")


def label(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").strip().capitalize()


def duration(seconds: Any) -> str:
    """A lifetime in the unit people use for it: "45 s", "5 min", "12 h", "90 days"."""
    if seconds is None or pd.isna(seconds):
        return MISSING
    seconds = float(seconds)
    for unit, size in (("days", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            value = seconds / size
            return f"{value:.0f} {unit}" if value >= 10 or value.is_integer() else f"{value:.1f} {unit}"
    return f"{seconds:.0f} s"


def system_link(system_id: str) -> str:
    return f"./system?system={system_id}"


def check_label(check_id: str, title: str) -> str:
    """A check always with its title, told apart from framework control ids ("check AU-02 · title")."""
    return f"check {check_id} · {title}"


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as people read them: durations in words, lists as text chips."""
    out = frame.copy()
    for name in out.columns:
        if DURATIONS.search(name) and pd.api.types.is_numeric_dtype(out[name]):
            out[name] = out[name].map(duration)
    return out


def column_config(frame: pd.DataFrame, links: dict[str, str] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for name in frame.columns:
        text = label(name)
        series = frame[name]
        if links and name in links:
            config[name] = st.column_config.LinkColumn(text, display_text=links[name])
        elif SHARES.search(name):
            config[name] = st.column_config.ProgressColumn(text, format="percent", min_value=0.0, max_value=1.0)
        elif pd.api.types.is_datetime64_any_dtype(series) or name in ("first_seen", "due", "expires", "created"):
            config[name] = st.column_config.DateColumn(text, format="YYYY-MM-DD")
        elif series.dtype == object and series.map(lambda v: isinstance(v, (list, tuple))).any():
            config[name] = st.column_config.ListColumn(text)
        else:
            config[name] = st.column_config.Column(text)
    return config


def show(frame: pd.DataFrame, key: str, *, order: Sequence[str] | None = None, links: dict[str, str] | None = None,
         colour: Sequence[str] = (), **kwargs: Any) -> Any:
    """One readable table: `order` picks and orders the columns shown (decisive ones first); `links` maps a
    column holding URLs to the text shown for them (a regex over the URL); `colour` paints status columns."""
    shown = readable(frame[list(order)] if order else frame)
    for name in shown.columns:  # lists and arrays come back from DuckDB as numpy arrays
        if shown[name].dtype == object:
            shown[name] = shown[name].map(lambda v: list(v) if hasattr(v, "tolist") and not isinstance(v, str) else v)
    data: Any = colour_cells(shown, list(colour)) if colour else shown
    return st.dataframe(data, hide_index=True, key=key, column_config=column_config(shown, links),
                        placeholder=MISSING, **kwargs)
