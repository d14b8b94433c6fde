"""OAuth 2.0 token responses (RFC 6749 §5.1, RFC 8693 token exchange) and decoded JWT access-token claims.

    {"observed_at": "2026-08-21T12:00:00Z", "client_id": "mcp-triage-agent",
     "access_token": "eyJ...", "token_type": "Bearer", "expires_in": 900, "refresh_token": "...",
     "scope": "tickets:read tickets:comment", "issued_token_type": "urn:ietf:params:oauth:token-type:access_token"}

    {"iss": "https://idp.acme.example", "sub": "alice@acme.example", "client_id": "mcp-gateway",
     "aud": "https://mcp.acme.example/servicenow", "scope": "tickets:read", "iat": 1755780955, "exp": 1755781855,
     "jti": "5c1d...", "act": {"sub": "spiffe://acme.prod/ns/agents/sa/triage-agent",
                              "act": {"sub": "https://chat.acme.example/clients/web"}}}

Accepted shapes: JSON lines (one record per line; a bad line is quarantined with its number, the
others load), a JSON array of records, or a single record. Detection: `access_token`,
`refresh_token`, `issued_token_type` or `token_type`; or `exp` with `iss`, `client_id`, `jti` or
`azp` (claims).

Tokens are never stored. A response's access token, when it is a JWT, is decoded (not verified) for
its claims; credential_id = the claims' `jti`, else the HMAC fingerprint of the token. Claims records
without `jti` get a keyed hash of the claims.

kind oauth_access (oauth_refresh when `issued_token_type` is the refresh-token URI). principal =
the current actor `act.sub`, else `client_id`, `azp`, `appid`, then `sub`; a bare response names
nobody, so a `principal` or `client_id` field added beside it is read first, and a record naming no
holder is quarantined. actor_chain = every nested `act.sub`, outermost (current actor) first.
scopes = `scope` (space-delimited) + `scp` + `roles`.

Lifetime: issued_at = claims `iat`, else an `observed_at` field added beside the response (when it
was captured; ISO 8601 or unix seconds), else NULL. expires_at = claims `exp`, else `expires_on`
(Azure IMDS), else issued_at + expires_in. lifetime_s = expires_at - issued_at, else expires_in.
An observed `refresh_token` adds a kind oauth_refresh row (fingerprint id, same principal and
scopes) whose lifetime is `refresh_token_expires_in` / `refresh_expires_in` when given, else NULL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import BadRecord, LoadContext
from mcp_clearance.pipelines.credentials._common import (
    Credential,
    after,
    expiry,
    jwt_claims,
    load_json,
    mentions,
    record_id,
    seconds,
    text,
    timestamp,
    words,
)

FORMAT = "oauth_token"
PRIORITY = 90

REFRESH_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:refresh_token"
MAX_ACTORS = 32  # a delegation chain deeper than this is malformed, not real


def detect(path: Path, head: str) -> bool:
    return mentions(head, "access_token", "refresh_token", "issued_token_type", "token_type") or (
        mentions(head, "exp") and mentions(head, "iss", "client_id", "jti", "azp")
    )


def load(ctx: LoadContext, path: Path) -> int:
    return load_json(ctx, path, FORMAT, _credentials)


def _credentials(ctx: LoadContext, record: dict[str, Any]) -> list[Credential]:
    if any(k in record for k in ("access_token", "issued_token_type", "token_type")):
        return _response(ctx, record)
    if "exp" in record or "iat" in record:
        return [_access(record, record, text(record, "jti") or record_id(ctx, record), None)]
    raise BadRecord("neither a token response nor access-token claims")


def _response(ctx: LoadContext, response: dict[str, Any]) -> list[Credential]:
    token = response.get("access_token")
    if not isinstance(token, str) or not token:
        raise BadRecord("token response without `access_token`")
    claims = jwt_claims(token) or {}
    kind = "oauth_refresh" if response.get("issued_token_type") == REFRESH_TOKEN_TYPE else "oauth_access"
    access = _access(response, claims, text(claims, "jti") or ctx.scanner.fingerprint(token),
                     seconds(response.get("expires_in"), "expires_in"), kind)
    refresh = response.get("refresh_token")
    if not isinstance(refresh, str) or not refresh:
        return [access]
    duration = (seconds(response.get("refresh_token_expires_in"), "refresh_token_expires_in")
                or seconds(response.get("refresh_expires_in"), "refresh_expires_in"))
    return [access, Credential(
        credential_id=ctx.scanner.fingerprint(refresh),
        kind="oauth_refresh",
        principal=access.principal,
        actor_chain=access.actor_chain,
        issued_at=access.issued_at,
        expires_at=after(access.issued_at, duration),
        lifetime_s=duration,
        scopes=access.scopes,
    )]


def _access(record: dict[str, Any], claims: dict[str, Any], credential_id: str, expires_in: int | None,
            kind: str = "oauth_access") -> Credential:
    """The token row from a record (response and wrapper fields) and the token's claims."""
    issued = timestamp(claims.get("iat"), "iat") or timestamp(record.get("observed_at"), "observed_at")
    expires = (expiry(claims.get("exp"), "exp") or expiry(record.get("expires_on"), "expires_on")
               or after(issued, expires_in))
    actors = _actors(claims)
    holder = (text(record, "principal") or (actors[0] if actors else None)
              or next((text(claims, k) for k in ("client_id", "azp", "appid", "sub") if text(claims, k)), None)
              or text(record, "client_id"))
    scopes = words(record.get("scope")) + words(claims.get("scope")) + words(claims.get("scp"))
    if not holder:
        raise BadRecord("names no holder: no act.sub, client_id, azp, appid or sub claim, "
                        "and no `principal` or `client_id` field beside the response")
    return Credential(
        credential_id=credential_id,
        kind=kind,
        principal=holder,
        actor_chain=actors or None,
        issued_at=issued,
        expires_at=expires,
        lifetime_s=None if issued and expires else expires_in,
        scopes=list(dict.fromkeys(scopes + words(claims.get("roles")))) or None,
    )


def _actors(claims: dict[str, Any]) -> list[str]:
    """RFC 8693 `act` chain, outermost (the current actor) first."""
    chain: list[str] = []
    act = claims.get("act")
    while isinstance(act, dict) and len(chain) < MAX_ACTORS:
        if text(act, "sub"):
            chain.append(str(act["sub"]).strip())
        act = act.get("act")
    return chain
