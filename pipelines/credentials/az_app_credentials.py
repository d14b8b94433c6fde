"""Azure CLI `az ad app credential list --id APP [--cert]` (and `az ad sp credential list`): a bare JSON array.

    [{"customKeyIdentifier": null, "displayName": "mcp-agent", "endDateTime": "2027-09-12T10:05:00Z",
      "hint": "Q~1", "keyId": "b3c9...", "secretText": null, "startDateTime": "2025-09-12T10:05:00Z"}]

    [{"customKeyIdentifier": "5A3F...", "displayName": "CN=mcp-agent", "endDateTime": "2026-12-31T23:59:59Z",
      "key": null, "keyId": "1e2f...", "startDateTime": "2025-12-31T00:00:00Z", "type": "AsymmetricX509Cert",
      "usage": "Verify"}]

The CLI prints the application's `passwordCredentials` (or, with `--cert`, its `keyCredentials`) as they
are, so the array names no holder: the file name does. Its first dot-separated part is the application
(client) id or name the inventory lists, e.g. `6a1e4f3b-0d2c-4d8e-9f1a-2b3c4d5e6f70.credentials.json`.
Detection: a top-level array whose objects carry `keyId` and `startDateTime` / `endDateTime`, in a file
with no Graph application keys (those belong to entra_app).

An entry with `type` or `usage` is a key credential (kind certificate), any other a client secret (kind
password); credential_id = keyId, issued_at = startDateTime, expires_at = endDateTime. `secretText`,
`hint`, `key`, `customKeyIdentifier` and `displayName` are never read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import BadRecord, LoadContext
from mcp_clearance.pipelines.credentials._common import Credential, expiry, load_json, mentions, text, timestamp

FORMAT = "az_app_credentials"
PRIORITY = 10

GRAPH_APP_KEYS = ("passwordCredentials", "keyCredentials", "federatedIdentityCredentials", "appId", "value")


def detect(path: Path, head: str) -> bool:
    return (head.lstrip("\ufeff \t\r\n").startswith("[") and mentions(head, "keyId")
            and mentions(head, "startDateTime", "endDateTime") and not mentions(head, *GRAPH_APP_KEYS))


def load(ctx: LoadContext, path: Path) -> int:
    holder = re.split(r"\.", path.name, maxsplit=1)[0]
    return load_json(ctx, path, FORMAT, lambda _ctx, item: [_credential(item, holder)])


def _credential(item: dict[str, Any], holder: str) -> Credential:
    if "keyId" not in item:
        raise BadRecord("credential entry has no `keyId`")
    return Credential(
        credential_id=text(item, "keyId") or "",
        kind="certificate" if "type" in item or "usage" in item else "password",
        principal=holder,
        issued_at=timestamp(item.get("startDateTime"), "startDateTime"),
        expires_at=expiry(item.get("endDateTime"), "endDateTime"),
    )
