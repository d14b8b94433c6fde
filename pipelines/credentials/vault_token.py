"""HashiCorp Vault: `vault token lookup -format=json` responses, lease lookups and dynamic-secret leases.

    {"request_id": "6f2c...", "lease_id": "", "lease_duration": 0,
     "data": {"accessor": "hmac-fake-8609...", "creation_time": 1755780954, "creation_ttl": 3600,
              "display_name": "kubernetes-agents-mcp-postgres", "entity_id": "7d2e...",
              "expire_time": "2026-08-21T13:35:54.466476215Z", "explicit_max_ttl": 0, "id": "",
              "policies": ["default", "db-readonly"], "ttl": 3321, "type": "service", ...}}

Accepted shapes: one response, an array of responses, or JSON lines of them; a bare `data` object
is accepted too. Detection: a Vault envelope (`request_id` and `lease_duration`), or `accessor`
with `creation_ttl`.

Token lookup (data has `accessor`) → kind vault_token, credential_id = accessor. `data.id` IS the
token: it is never stored (a batch token, which has no accessor, gets its HMAC fingerprint).
principal = display_name (else entity_id, else the login path). issued_at = creation_time;
expires_at = expire_time (nanoseconds and local offsets converted to UTC); without one, creation_time
+ creation_ttl, and a TTL of 0 means the token never expires (root tokens). Renewals can extend a
renewable token up to explicit_max_ttl or the mount maximum; the loader records the current expiry.
scopes = policies + identity_policies.

Lease lookup (`sys/leases/lookup`: data with `id` and `issue_time`) → kind dynamic_secret,
credential_id = the lease id, principal = the role path (the lease id without its last segment),
issued_at = issue_time, expires_at = expire_time. A dynamic-secret read (envelope with a non-empty
`lease_id`) → kind dynamic_secret with lifetime_s = lease_duration; its `data` holds the secret and
is never read; issued_at is an `observed_at` field added beside the response, when there is one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import BadRecord, LoadContext
from mcp_clearance.pipelines.credentials._common import (
    Credential,
    after,
    expiry,
    load_json,
    mentions,
    seconds,
    text,
    timestamp,
    words,
)

FORMAT = "vault_token"
PRIORITY = 10


def detect(path: Path, head: str) -> bool:
    return (mentions(head, "request_id") and mentions(head, "lease_duration")) or (
        mentions(head, "accessor") and mentions(head, "creation_ttl")
    )


def load(ctx: LoadContext, path: Path) -> int:
    return load_json(ctx, path, FORMAT, _credential)


def _credential(ctx: LoadContext, record: dict[str, Any]) -> list[Credential]:
    if text(record, "lease_id"):
        return [_dynamic_secret(record)]
    data = record["data"] if isinstance(record.get("data"), dict) else record
    if "accessor" in data:
        return [_token(ctx, data)]
    if "issue_time" in data and text(data, "id"):
        return [_lease(data)]
    raise BadRecord("neither a token lookup, a lease lookup nor a dynamic-secret lease")


def _token(ctx: LoadContext, data: dict[str, Any]) -> Credential:
    token = text(data, "id")
    issued = timestamp(data.get("creation_time"), "creation_time") or timestamp(data.get("issue_time"), "issue_time")
    expires = expiry(data.get("expire_time"), "expire_time")
    if expires is None:
        expires = after(issued, seconds(data.get("creation_ttl"), "creation_ttl") or None)
    return Credential(
        credential_id=text(data, "accessor") or (ctx.scanner.fingerprint(token) if token else ""),
        kind="vault_token",
        principal=text(data, "display_name") or text(data, "entity_id") or text(data, "path") or "",
        issued_at=issued,
        expires_at=expires,
        scopes=list(dict.fromkeys(words(data.get("policies")) + words(data.get("identity_policies")))) or None,
    )


def _lease(data: dict[str, Any]) -> Credential:
    lease = text(data, "id") or ""
    return Credential(
        credential_id=lease,
        kind="dynamic_secret",
        principal=lease.rpartition("/")[0],
        issued_at=timestamp(data.get("issue_time"), "issue_time"),
        expires_at=expiry(data.get("expire_time"), "expire_time"),
    )


def _dynamic_secret(record: dict[str, Any]) -> Credential:
    lease = text(record, "lease_id") or ""
    issued = timestamp(record.get("observed_at"), "observed_at")
    duration = seconds(record.get("lease_duration"), "lease_duration")
    return Credential(
        credential_id=lease,
        kind="dynamic_secret",
        principal=lease.rpartition("/")[0],
        issued_at=issued,
        expires_at=after(issued, duration),
        lifetime_s=duration,
    )
