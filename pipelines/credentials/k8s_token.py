"""Kubernetes service-account tokens, as decoded JWT claims (never the token itself).

    [{"aud": ["https://kubernetes.default.svc.cluster.local"], "iss": "https://kubernetes.default.svc.cluster.local",
      "exp": 1787316955, "iat": 1755780955, "nbf": 1755780955, "jti": "e51f1fbc-...",
      "kubernetes.io": {"namespace": "agents", "pod": {"name": "mcp-github-7d9c8b6f5-x2k4p", "uid": "..."},
                        "serviceaccount": {"name": "mcp-github", "uid": "..."}, "warnafter": 1755784562},
      "sub": "system:serviceaccount:agents:mcp-github"}]

Accepted shapes: one claims object, an array of them, a `{"items": [...]}` wrapper, or JSON lines.
Detection: a `kubernetes.io` claim object, a legacy `kubernetes.io/serviceaccount/...` claim, or
`"iss": "kubernetes/serviceaccount"`.

principal = `sub` (`system:serviceaccount:<ns>:<sa>`, rebuilt from the legacy claims if absent);
credential_id = `jti` (legacy: `secret:<ns>/<secret name>`; else a keyed hash of the claims).

Bound (projected) tokens → kind projected_token, issued_at = iat (else nbf), expires_at = exp.
Lifetime: when `warnafter` is present the API server extended `exp` (by up to a year) only for
clients that do not reload their token; the kubelet rotates it at `warnafter`. lifetime_s is then
the intended lifetime `warnafter - iat`, while expires_at keeps the hard `exp`, because a copied
token is accepted until then. Without `warnafter`, lifetime_s = exp - iat.

Legacy Secret-based tokens (no `exp`) → kind legacy_sa_token; they never expire (expires_at and
lifetime_s NULL) and carry no issue time.

`kubectl create token SA -o json` prints an authentication.k8s.io/v1 TokenRequest:

    {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
     "metadata": {"name": "mcp-github", "namespace": "agents", "creationTimestamp": null},
     "spec": {"audiences": ["https://kubernetes.default.svc.cluster.local"], "expirationSeconds": 3600, ...},
     "status": {"token": "eyJ...", "expirationTimestamp": "2026-08-21T13:35:55Z"}}

→ kind projected_token, expires_at = status.expirationTimestamp. The token is decoded (not verified)
for `sub`, `iat` and `jti` and never stored; lifetime_s = exp - iat from the token, else
spec.expirationSeconds (the lifetime the API server granted), and principal = `sub`, else
system:serviceaccount:<metadata.namespace>:<metadata.name>.
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

FORMAT = "k8s_token"
PRIORITY = 30

LEGACY = "kubernetes.io/serviceaccount/"
SA_PREFIX = "system:serviceaccount:"


def detect(path: Path, head: str) -> bool:
    return (mentions(head, "kubernetes.io") or f'"{LEGACY}' in head
            or '"kubernetes/serviceaccount"' in head or bool(re.search(r'"kind"\s*:\s*"TokenRequest"', head)))


def load(ctx: LoadContext, path: Path) -> int:
    return load_json(ctx, path, FORMAT, _credential, wrappers=("items",))


def _credential(ctx: LoadContext, claims: dict[str, Any]) -> list[Credential]:
    if claims.get("kind") == "TokenRequest":
        return [_token_request(ctx, claims)]
    namespace, account = text(claims, f"{LEGACY}namespace"), text(claims, f"{LEGACY}service-account.name")
    subject = text(claims, "sub") or (f"{SA_PREFIX}{namespace}:{account}" if namespace and account else None)
    if not subject or not subject.startswith(SA_PREFIX):
        raise BadRecord("`sub` is not system:serviceaccount:<namespace>:<name>")
    if "exp" not in claims:
        secret = text(claims, f"{LEGACY}secret.name")
        legacy_id = f"secret:{namespace}/{secret}" if secret and namespace else None
        return [Credential(
            credential_id=text(claims, "jti") or legacy_id or record_id(ctx, claims),
            kind="legacy_sa_token",
            principal=subject,
            issued_at=timestamp(claims.get("iat"), "iat"),
        )]
    issued = timestamp(claims.get("iat"), "iat") or timestamp(claims.get("nbf"), "nbf")
    private = claims.get("kubernetes.io")
    warn_after = timestamp(private.get("warnafter"), "kubernetes.io.warnafter") if isinstance(private, dict) else None
    intended = int((warn_after - issued).total_seconds()) if warn_after and issued else None
    return [Credential(
        credential_id=text(claims, "jti") or record_id(ctx, claims),
        kind="projected_token",
        principal=subject,
        issued_at=issued,
        expires_at=expiry(claims.get("exp"), "exp"),
        lifetime_s=intended,
    )]


def _token_request(ctx: LoadContext, request: dict[str, Any]) -> Credential:
    status = request.get("status") if isinstance(request.get("status"), dict) else {}
    spec = request.get("spec") if isinstance(request.get("spec"), dict) else {}
    metadata = request.get("metadata") if isinstance(request.get("metadata"), dict) else {}
    token = status.get("token")
    claims = (jwt_claims(token) if isinstance(token, str) else None) or {}
    namespace, account = text(metadata, "namespace"), text(metadata, "name")
    subject = text(claims, "sub") or (f"{SA_PREFIX}{namespace}:{account}" if namespace and account else None)
    if not subject:
        raise BadRecord("TokenRequest names no service account (`metadata.namespace` / `metadata.name`)")
    expires = (expiry(status.get("expirationTimestamp"), "status.expirationTimestamp")
               or expiry(claims.get("exp"), "exp"))
    issued = timestamp(claims.get("iat"), "iat")
    granted = seconds(spec.get("expirationSeconds"), "spec.expirationSeconds")
    token_id = ctx.scanner.fingerprint(token) if isinstance(token, str) and token else None
    return Credential(
        credential_id=text(claims, "jti") or token_id or record_id(ctx, {"metadata": metadata, "status": {
            "expirationTimestamp": status.get("expirationTimestamp")}}),
        kind="projected_token",
        principal=subject,
        issued_at=issued,
        expires_at=expires,
        lifetime_s=None if issued and expires else granted,
    )
