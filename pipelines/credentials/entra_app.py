"""Microsoft Entra ID applications and service principals (Microsoft Graph v1.0) with their credentials.

    {"value": [{"appId": "6a1e4f3b-...", "displayName": "mcp-servicenow-agent",
                "passwordCredentials": [{"keyId": "b3c9...", "startDateTime": "2025-09-12T10:05:00Z",
                                         "endDateTime": "2027-09-12T10:05:00Z", "hint": "Q~1", "secretText": null}],
                "keyCredentials": [{"keyId": "1e2f...", "type": "AsymmetricX509Cert", "usage": "Verify",
                                    "startDateTime": "2025-12-31T00:00:00Z", "endDateTime": "2026-12-31T23:59:59Z"}],
                "federatedIdentityCredentials": [{"id": "f1c0...", "issuer": "https://token.actions...",
                                                  "subject": "repo:acme/x:environment:prod", "audiences": [...]}]}]}

Accepted shapes: one object, an array, or a Graph page (`value` array). Detection: a
`passwordCredentials`, `keyCredentials` or `federatedIdentityCredentials` key.

principal = appId (displayName when there is none). passwordCredentials are kind password,
keyCredentials kind certificate, both with credential_id = keyId, issued_at = startDateTime,
expires_at = endDateTime. Federated identity credentials (workload identity federation, expanded
with `$expand=federatedIdentityCredentials`) are kind federated with credential_id = their id: they
hold no secret and have no lifetime of their own (the external token they accept has it), so expiry
and lifetime stay NULL. A credential list exported on its own (without its application) names no
holder and is quarantined. `secretText`, `hint` and `key` are never read. source_line is the line of
each credential's own object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import BadRecord, LoadContext
from mcp_clearance.pipelines.credentials._common import (
    FAMILY,
    Credential,
    expiry,
    insert,
    json_documents,
    mentions,
    text,
    timestamp,
    unwrap,
)

FORMAT = "entra_app"
PRIORITY = 10

LISTS = {
    "passwordCredentials": "password",
    "keyCredentials": "certificate",
    "federatedIdentityCredentials": "federated",
}
FEDERATED_KEYS = ("issuer", "subject", "audiences")


def detect(path: Path, head: str) -> bool:
    # A bare federated-credential list is claimed too, to be quarantined with a useful reason.
    return mentions(head, *LISTS) or all(mentions(head, k) for k in FEDERATED_KEYS)


def load(ctx: LoadContext, path: Path) -> int:
    placed: list[tuple[int | None, Credential]] = []
    for doc in json_documents(ctx, path):
        for app in unwrap(doc.value, ("value",)):
            app_line = doc.line(app)
            if not isinstance(app, dict) or not any(isinstance(app.get(k), list) for k in LISTS):
                reason = "not an application or service principal with credential lists"
                if isinstance(app, dict) and set(FEDERATED_KEYS) <= app.keys():
                    reason = "federated credential without its application: export it with `$expand`"
                ctx.quarantine(path, FAMILY, reason, app_line or doc.first_line)
                continue
            principal = text(app, "appId") or text(app, "displayName")
            for key, kind in LISTS.items():
                for item in app.get(key) or []:
                    line = doc.line(item) or app_line
                    try:
                        if not isinstance(item, dict):
                            raise BadRecord(f"`{key}` entry is not an object")
                        placed.append((line, _credential(item, kind, principal or "")))
                    except BadRecord as exc:
                        ctx.quarantine(path, FAMILY, exc.reason, line)
    return insert(ctx, path, FORMAT, placed)


def _credential(item: dict[str, Any], kind: str, principal: str) -> Credential:
    if kind == "federated":
        return Credential(credential_id=text(item, "id") or text(item, "name") or "", kind=kind, principal=principal)
    return Credential(
        credential_id=text(item, "keyId") or "",
        kind=kind,
        principal=principal,
        issued_at=timestamp(item.get("startDateTime"), "startDateTime"),
        expires_at=expiry(item.get("endDateTime"), "endDateTime"),
    )
