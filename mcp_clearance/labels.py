"""The words a column or value is shown in, wherever people read it: dashboard, notebooks, reports.

No Streamlit here: notebooks import these without the dashboard (Streamlit changes plotly's default template).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

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


def check_label(check_id: str, title: str | None) -> str:
    """A check always with its title, told apart from framework control ids ("check AU-02 · title")."""
    return f"check {check_id} · {title}" if title else f"check {check_id}"
