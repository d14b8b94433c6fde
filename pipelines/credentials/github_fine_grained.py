"""GitHub fine-grained PATs with organisation access, and GitHub App installation tokens.

    [{"id": 25381, "owner": {"login": "octo-dev"}, "repository_selection": "subset",
      "permissions": {"organization": {"members": "read"}, "repository": {"contents": "write"}, "other": {}},
      "access_granted_at": "2026-05-02T14:11:09Z", "token_id": 98765, "token_name": "mcp-github-server",
      "token_expired": false, "token_expires_at": null, "token_last_used_at": "2026-08-20T09:41:12Z"}]

    {"token": "ghs_...", "expires_at": "2026-08-21T13:14:10Z", "permissions": {"issues": "write"},
     "repository_selection": "selected", "app_slug": "mcp-triage"}

Accepted shapes: the array of `GET /orgs/{org}/personal-access-tokens` (or of
`.../personal-access-token-requests`), JSON lines of its elements, or installation-token responses
(one object, an array or JSON lines). Detection: `token_expires_at`, `token_last_used_at` or
`access_granted_at`; or `token` with `expires_at` and `permissions`.

PAT grant → kind pat, credential_id = token_id (the grant `id` when absent), principal =
owner.login, issued_at = access_granted_at (the grant; the token may be older), expires_at =
token_expires_at (null = never), last_used_at = token_last_used_at, active = not token_expired.
A pending request (`reason`, `created_at`) has no access yet: issued_at = created_at, active false.

Installation token → kind app_token, credential_id = HMAC fingerprint of `token` (the token is
never stored), principal = a `principal` or `app_slug` field added beside the response (the API
response names no holder; without one the record is quarantined). GitHub issues these tokens for
exactly one hour, so issued_at = expires_at - 1 h and lifetime_s = 3600.

Scopes (both): every permission as `name:level` (`contents:write`), plus `repository_selection:all`
when the token reaches every repository.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import BadRecord, LoadContext
from mcp_clearance.pipelines.credentials._common import Credential, expiry, load_json, mentions, text, timestamp

FORMAT = "github_fine_grained"
PRIORITY = 10

INSTALLATION_TOKEN_LIFETIME = timedelta(hours=1)


def detect(path: Path, head: str) -> bool:
    return mentions(head, "token_expires_at", "token_last_used_at", "access_granted_at") or (
        mentions(head, "token") and mentions(head, "expires_at") and mentions(head, "permissions")
    )


def load(ctx: LoadContext, path: Path) -> int:
    return load_json(ctx, path, FORMAT, _credential)


def _credential(ctx: LoadContext, record: dict[str, Any]) -> list[Credential]:
    if isinstance(record.get("token"), str):
        return [_installation_token(ctx, record)]
    if "token_id" in record or "token_expires_at" in record:
        return [_pat(record)]
    raise BadRecord("neither a fine-grained PAT grant nor an installation token")


def _pat(record: dict[str, Any]) -> Credential:
    owner = record.get("owner")
    pending = "reason" in record and "access_granted_at" not in record
    granted = "created_at" if pending else "access_granted_at"
    return Credential(
        credential_id=text(record, "token_id") or text(record, "id") or "",
        kind="pat",
        principal=(text(owner, "login") if isinstance(owner, dict) else None) or "",
        issued_at=timestamp(record.get(granted), granted),
        expires_at=expiry(record.get("token_expires_at"), "token_expires_at"),
        last_used_at=timestamp(record.get("token_last_used_at"), "token_last_used_at"),
        active=False if pending else record.get("token_expired") is not True,
        scopes=_scopes(record),
    )


def _installation_token(ctx: LoadContext, record: dict[str, Any]) -> Credential:
    expires = expiry(record.get("expires_at"), "expires_at")
    if expires is None:
        raise BadRecord("installation token without `expires_at`")
    holder = text(record, "principal") or text(record, "app_slug")
    if holder is None:
        raise BadRecord("installation token names no holder: add a `principal` or `app_slug` field beside it")
    return Credential(
        credential_id=ctx.scanner.fingerprint(record["token"]),
        kind="app_token",
        principal=holder,
        issued_at=expires - INSTALLATION_TOKEN_LIFETIME,
        expires_at=expires,
        scopes=_scopes(record),
    )


def _scopes(record: dict[str, Any]) -> list[str] | None:
    """`name:level` per permission; PAT grants group them (organization/repository/other), tokens do not."""
    permissions = record.get("permissions")
    permissions = permissions if isinstance(permissions, dict) else {}
    flat = {k: v for k, v in permissions.items() if isinstance(v, str)}
    for group in permissions.values():
        if isinstance(group, dict):
            flat |= {k: v for k, v in group.items() if isinstance(v, str)}
    scopes = sorted(f"{name}:{level}" for name, level in flat.items())
    if record.get("repository_selection") == "all":
        scopes.append("repository_selection:all")
    return scopes or None
