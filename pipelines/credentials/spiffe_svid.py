"""SPIFFE / SPIRE: registration entries, JWT-SVIDs fetched from the agent, and JWT-SVID claims.

    {"entries": [{"id": "9b2f...", "spiffe_id": {"trust_domain": "acme.prod", "path": "/ns/agents/sa/mcp-github"},
                  "x509_svid_ttl": 3600, "jwt_svid_ttl": 300, "expires_at": 0, ...}]}

    [{"svids": [{"spiffe_id": "spiffe://acme.prod/ns/agents/sa/mcp-github", "svid": "eyJ...", "hint": ""}]},
     {"bundles": {...}}]

    {"sub": "spiffe://acme.prod/ns/agents/sa/mcp-github", "aud": ["spiffe://acme.prod/mcp-gateway"],
     "exp": 1755781255, "iat": 1755780955}

Accepted shapes: `spire-server entry show -output json` (`entries` wrapper), `spire-agent api fetch
jwt -output json` (an array of `svids` and `bundles` objects; bundles are trust anchors and are
skipped), and decoded JWT-SVID claims (one object, an array or JSON lines). Detection: a
`spiffe_id` key, or a `sub` that is a SPIFFE ID in a file with no OAuth claims (`client_id`, `act`,
`scope`, `azp`, `access_token`); an OAuth token acting for a SPIFFE ID belongs to oauth_token.

principal = the SPIFFE ID (`spiffe://<trust domain><path>`).

An entry lets its workload fetch both SVID types, so it yields two rows with no issue or expiry
time (SVIDs are minted continuously): kind x509_svid with lifetime_s = the first non-zero of
x509_svid_ttl and the deprecated `ttl`, else SPIRE's default 3600; kind jwt_svid with lifetime_s =
jwt_svid_ttl, else the default 300. credential_id = `<entry id>#x509` / `#jwt`. The entry's own
`expires_at` (unix seconds, 0 = never) is when the registration lapses, not an SVID expiry: it goes to
registration_expires_at, and an entry that lapsed before the as-of date gives the workload no live
identity (the view agent_credentials leaves it out).

A fetched JWT-SVID is decoded (not verified) for its claims and never stored: kind jwt_svid,
credential_id = `jti` or the HMAC fingerprint of the token, issued_at = iat, expires_at = exp.
JWT-SVID claims give the same row without a token. X.509 fetch output (certificate and private key)
is not read: export the entries instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import BadRecord, LoadContext
from mcp_clearance.pipelines.credentials._common import (
    Credential,
    expiry,
    jwt_claims,
    load_json,
    mentions,
    record_id,
    seconds,
    text,
    timestamp,
)

FORMAT = "spiffe_svid"
PRIORITY = 20

# SPIRE server defaults (default_x509_svid_ttl, default_jwt_svid_ttl) for entries that set 0.
DEFAULT_X509_TTL = 3600
DEFAULT_JWT_TTL = 300
OAUTH_KEYS = ("client_id", "act", "scope", "azp", "access_token")


def detect(path: Path, head: str) -> bool:
    if mentions(head, "spiffe_id"):
        return True
    return bool(re.search(r'"sub"\s*:\s*"spiffe://', head)) and not mentions(head, *OAUTH_KEYS)


def load(ctx: LoadContext, path: Path) -> int:
    return load_json(ctx, path, FORMAT, _credentials, wrappers=("entries",))


def _credentials(ctx: LoadContext, record: dict[str, Any]) -> list[Credential]:
    if "spiffe_id" in record:
        return _entry(ctx, record)
    if isinstance(record.get("svids"), list):
        return [_fetched(ctx, svid) for svid in record["svids"]]
    if "bundles" in record:
        return []
    subject = text(record, "sub") or ""
    if not subject.startswith("spiffe://"):
        raise BadRecord("neither a registration entry, fetched SVIDs nor JWT-SVID claims")
    return [_jwt_svid(record, subject, text(record, "jti") or record_id(ctx, record))]


def _spiffe_id(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and text(value, "trust_domain"):
        path = text(value, "path") or ""
        return f"spiffe://{value['trust_domain']}{'' if path.startswith('/') else '/'}{path}"
    raise BadRecord("`spiffe_id` is neither a SPIFFE ID nor {trust_domain, path}")


def _entry(ctx: LoadContext, entry: dict[str, Any]) -> list[Credential]:
    principal = _spiffe_id(entry["spiffe_id"])
    entry_id = text(entry, "id") or record_id(ctx, entry)
    x509 = seconds(entry.get("x509_svid_ttl"), "x509_svid_ttl") or seconds(entry.get("ttl"), "ttl")
    jwt = seconds(entry.get("jwt_svid_ttl"), "jwt_svid_ttl")
    lapses = seconds(entry.get("expires_at"), "expires_at")
    registration_expires_at = timestamp(lapses, "expires_at") if lapses else None
    return [
        Credential(credential_id=f"{entry_id}#x509", kind="x509_svid", principal=principal,
                   lifetime_s=x509 or DEFAULT_X509_TTL, registration_expires_at=registration_expires_at),
        Credential(credential_id=f"{entry_id}#jwt", kind="jwt_svid", principal=principal,
                   lifetime_s=jwt or DEFAULT_JWT_TTL, registration_expires_at=registration_expires_at),
    ]


def _fetched(ctx: LoadContext, svid: Any) -> Credential:
    token = svid.get("svid") if isinstance(svid, dict) else None
    if not isinstance(token, str):
        raise BadRecord("fetched SVID without a JWT `svid` (X.509 fetch output is not read; export the entries)")
    claims = jwt_claims(token)
    if claims is None:
        raise BadRecord("fetched `svid` is not a decodable JWT")
    subject = text(svid, "spiffe_id") or text(claims, "sub") or ""
    return _jwt_svid(claims, subject, text(claims, "jti") or ctx.scanner.fingerprint(token))


def _jwt_svid(claims: dict[str, Any], subject: str, credential_id: str) -> Credential:
    expires = expiry(claims.get("exp"), "exp")
    if expires is None:
        raise BadRecord("JWT-SVID without `exp`")
    return Credential(credential_id=credential_id, kind="jwt_svid", principal=subject,
                      issued_at=timestamp(claims.get("iat"), "iat"), expires_at=expires)
