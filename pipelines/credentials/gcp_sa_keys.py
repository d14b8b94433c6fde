"""GCP service-account keys: the `keys.list` response, or the array `gcloud ... keys list --format=json` prints.

    {"keys": [{"name": "projects/acme-prod/serviceAccounts/mcp-bq-agent@acme-prod.iam.gserviceaccount.com/keys/90c4...",
               "validAfterTime": "2025-03-04T17:39:47Z", "validBeforeTime": "9999-12-31T23:59:59Z",
               "keyAlgorithm": "KEY_ALG_RSA_2048", "keyOrigin": "GOOGLE_PROVIDED", "keyType": "USER_MANAGED"}]}

Detection: a `validAfterTime` key and a `serviceAccounts/` key name.

One credential per key: credential_id = the key id (last path segment), principal = the service
account e-mail from the path. USER_MANAGED keys are kind static_key; SYSTEM_MANAGED keys are held
and rotated by Google (the agent never holds them) and are kind managed_key. issued_at =
last_rotated_at = validAfterTime; expires_at = validBeforeTime, where `9999-12-31T23:59:59Z` means
never (NULL). active = not `disabled` (omitted when false). exposed = Google reports the private key
exposed or compromised: `disableReason` SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED / _COMPROMISE_DETECTED,
or an `extendedStatus[].key` SERVICE_ACCOUNT_KEY_EXTENDED_STATUS_KEY_EXPOSED / _KEY_COMPROMISE_DETECTED
(extended status stays for the key's lifetime, also after it is re-enabled). `privateKeyData` (in create
responses) and `extendedStatus[].value` are never read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import BadRecord, LoadContext
from mcp_clearance.pipelines.credentials._common import Credential, expiry, load_json, mentions, text, timestamp

FORMAT = "gcp_sa_keys"
PRIORITY = 10

_KEY_NAME = re.compile(r"projects/[^/]+/serviceAccounts/(?P<email>[^/]+)/keys/(?P<key>[^/]+)")


def detect(path: Path, head: str) -> bool:
    return mentions(head, "validAfterTime") and "serviceAccounts/" in head


def load(ctx: LoadContext, path: Path) -> int:
    return load_json(ctx, path, FORMAT, _key, wrappers=("keys",))


def _key(ctx: LoadContext, record: dict[str, Any]) -> list[Credential]:
    name = _KEY_NAME.fullmatch(text(record, "name") or "")
    if name is None:
        raise BadRecord("key `name` is not projects/<p>/serviceAccounts/<email>/keys/<id>")
    issued = timestamp(record.get("validAfterTime"), "validAfterTime")
    return [Credential(
        credential_id=name["key"],
        kind="managed_key" if record.get("keyType") == "SYSTEM_MANAGED" else "static_key",
        principal=name["email"],
        issued_at=issued,
        expires_at=expiry(record.get("validBeforeTime"), "validBeforeTime"),
        last_rotated_at=issued,
        active=record.get("disabled") is not True,
        exposed=_exposed(record),
    )]


_EXPOSED = ("SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED", "SERVICE_ACCOUNT_KEY_DISABLE_REASON_COMPROMISE_DETECTED",
            "SERVICE_ACCOUNT_KEY_EXTENDED_STATUS_KEY_EXPOSED",
            "SERVICE_ACCOUNT_KEY_EXTENDED_STATUS_KEY_COMPROMISE_DETECTED")


def _exposed(record: dict[str, Any]) -> bool:
    statuses = record.get("extendedStatus") if isinstance(record.get("extendedStatus"), list) else []
    keys = [s.get("key") for s in statuses if isinstance(s, dict)]
    return record.get("disableReason") in _EXPOSED or any(k in _EXPOSED for k in keys)
