"""Find literal secrets in configuration values and keep only what is safe to store.

A literal secret is never stored: callers get a redacted form (the token's public prefix and its
length, no secret characters) and a keyed fingerprint (HMAC-SHA256 with a per-installation key
kept outside the database), so one secret reused across connectors is detectable without keeping it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets as pysecrets
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

KEY_ENV = "MCP_CLEARANCE_KEY_FILE"

# Known token formats: (kind, pattern, public prefix group or literal prefix shown when redacted).
_TOKEN_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("github_pat", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}")),
    ("github_token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}")),
    ("api_key_sk", re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}")),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}")),
    ("aws_access_key", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*")),
]
_BEARER = re.compile(r"\b(Bearer|Basic|Token)\s+([^\s\"']{8,})", re.IGNORECASE)
# the lookbehind starts a scheme only at the start of a word, so a long run of letters is scanned once, not per letter
_URL_USERINFO = re.compile(
    r"(?P<scheme>(?<![a-z0-9+.\-])[a-z][a-z0-9+.\-]{0,30}://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@", re.I)
_URL_QUERY_SECRET = re.compile(
    r"(?P<name>[?&](?:access_token|token|api[_-]?key|apikey|key|secret|password|passwd|sig|signature|auth)=)"
    r"(?P<val>[^&#\s]+)",
    re.IGNORECASE,
)
_SECRET_KEY_NAME = re.compile(
    r"(?:^|[_\-.])(?:token|secret|password|passwd|pwd|apikey|api[_\-]?key|key|auth|authorization"
    r"|credentials?|private|cookie|session|pat|bearer)(?:$|[_\-.])",
    re.IGNORECASE,
)
_SPLIT_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# Secret references: the value names where a secret lives instead of carrying it.
_REFERENCES: list[tuple[str, re.Pattern[str]]] = [
    ("gha_secrets", re.compile(r"\$\{\{\s*secrets\.([A-Za-z0-9_\-]+)\s*\}\}")),
    ("hub_inputs", re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_\-]+)\s*\}\}")),  # Continue hub blocks
    ("input", re.compile(r"\$\{input:([^}]+)\}")),
    ("env", re.compile(r"\$\{env:([^}]+)\}")),
    ("predefined", re.compile(r"\$\{(workspaceFolder|workspaceFolderBasename|userHome|pathSeparator|cwd)\}")),
    ("shell_default", re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):-[^}]*\}")),
    ("shell", re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")),
]


@dataclass(frozen=True)
class Classified:
    """What may be stored about one configuration value."""

    value_kind: str  # literal | reference | empty
    reference_syntax: str | None
    reference_target: str | None
    display_value: str | None  # the value itself when it holds no secret, else its redacted form
    is_secret: bool
    secret_kind: str | None
    fingerprint: str | None


def default_key_file() -> Path:
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "mcp-clearance" / "fingerprint.key"


def load_or_create_key(path: Path | None = None) -> bytes:
    """The per-installation fingerprint key, created (mode 0600) on first use."""
    path = path or default_key_file()
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = pysecrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key


def shannon_entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def is_secret_like_name(name: str | None) -> bool:
    if not name:
        return False
    return bool(_SECRET_KEY_NAME.search(_SPLIT_CAMEL.sub("_", name)))


def _looks_high_entropy(text: str) -> bool:
    return len(text) >= 16 and shannon_entropy(text) >= 3.3 and not text.startswith(("/", "./", "~"))


def _redacted(kind: str, secret: str) -> str:
    prefix = ""
    for public in ("github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "sk-", "xoxb-", "xoxp-", "xoxa-",
                   "xoxs-", "xoxr-", "xoxo-", "AKIA", "ASIA", "eyJ"):
        if secret.startswith(public):
            prefix = public
            break
    return f"{prefix}****[{kind}, {len(secret)} chars]"


class SecretScanner:
    """Classifies values and redacts secrets; holds the fingerprint key, never a secret."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def for_installation(cls, key_file: Path | None = None) -> SecretScanner:
        return cls(load_or_create_key(key_file))

    def fingerprint(self, secret: str) -> str:
        digest = hmac.new(self._key, secret.encode(), hashlib.sha256).hexdigest()
        return f"hmac:{digest[:24]}"

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """(kind, start, end) of every literal secret in free text, references excluded."""
        hits: list[tuple[str, int, int]] = []
        for kind, pattern in _TOKEN_PATTERNS:
            hits += [(kind, m.start(), m.end()) for m in pattern.finditer(text)]
        for m in _BEARER.finditer(text):
            if not _is_reference(m.group(2)):
                hits.append(("bearer", m.start(2), m.end(2)))
        for m in _URL_USERINFO.finditer(text):
            if not _is_reference(m.group("pw")):
                hits.append(("url_password", m.start("pw"), m.end("pw")))
        for m in _URL_QUERY_SECRET.finditer(text):
            if not _is_reference(m.group("val")):
                hits.append(("url_token", m.start("val"), m.end("val")))
        return _merge(hits)

    def redact_text(self, text: str) -> str:
        """Free text with every detected secret replaced by its redacted form."""
        for kind, start, end in reversed(self.find(text)):
            text = text[:start] + _redacted(kind, text[start:end]) + text[end:]
        return text

    def classify(self, value: object, key_name: str | None = None) -> Classified:
        """Classify one configuration value found under `key_name` (env var or header name)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return Classified("empty", None, None, None, False, None, None)
        text = value if isinstance(value, str) else str(value)
        syntax, target = _first_reference(text)
        literal_part = _strip_references(text)
        hits = self.find(text)
        if hits:
            kind, start, end = max(hits, key=lambda h: h[2] - h[1])
            return Classified(
                "literal", syntax, target, self.redact_text(text), True, kind,
                self.fingerprint(text[start:end]),
            )
        if syntax is not None:
            return Classified("reference", syntax, target, text, False, None, None)
        # Under a secret-like name (API_KEY, X-Api-Key, --token) any real-length literal is treated
        # as a secret: placeholders are rare and a missed secret costs more than a redacted one.
        candidate = literal_part.strip()
        if is_secret_like_name(key_name) and (len(candidate) >= 6 or _looks_high_entropy(candidate)):
            return Classified(
                "literal", None, None, _redacted("secret_named_key", candidate), True, "secret_named_key",
                self.fingerprint(candidate),
            )
        return Classified("literal", None, None, text, False, None, None)


def _is_reference(text: str) -> bool:
    return _first_reference(text)[0] is not None


def _first_reference(text: str) -> tuple[str | None, str | None]:
    for syntax, pattern in _REFERENCES:
        match = pattern.search(text)
        if match:
            return syntax, next(g for g in match.groups() if g is not None)
    return None, None


def _strip_references(text: str) -> str:
    for _, pattern in _REFERENCES:
        text = pattern.sub("", text)
    return text


def _merge(hits: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Drop hits contained in a longer one, so a JWT inside a Bearer header is redacted once."""
    merged: list[tuple[str, int, int]] = []
    for kind, start, end in sorted(hits, key=lambda h: (h[1], -(h[2] - h[1]))):
        if merged and start < merged[-1][2]:
            continue
        merged.append((kind, start, end))
    return merged
