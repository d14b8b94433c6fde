"""Find literal secrets in input values and keep only what is safe to store.

A literal secret is never stored: callers get a redacted form (the token's public prefix and its
length, no secret characters) and a keyed fingerprint (HMAC-SHA256 with a per-installation key
kept outside the database), so one secret reused across connectors is detectable without keeping it.

The scanner decides by evidence, not by a few fixed spots (docs/secrets.md lists every rule):

* shapes: private-key blocks, known token formats (prefix, alphabet, length; GitHub's CRC32),
  JWTs, `Bearer`/`Basic` credentials, URL userinfo, query parameters and path segments;
* names: a literal under a secret-like name (`PGPASSWORD`, `SMTP_PASS`, `X-Hub-Signature`) is a
  secret, judged by the name's word parts and the keywords inside them;
* structure: a JSON document or a base64 blob is decoded and its content scanned;
* references (`${input:x}`, `${env:X}`, `${X}`, `${{ secrets.X }}`) stay references only while no
  secret literal is attached (a default, a suffix, a credential after `Bearer`);
* placeholders (`YOUR_API_KEY`, `<token>`, `ghp_dummy`, `xxxxxxxx`) in secret positions are their
  own kind: vocabulary, filler and template brackets without the randomness a real token has. A
  value of a known token format with a real token's length and randomness is never a placeholder.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import os
import re
import secrets as pysecrets
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

KEY_ENV = "MCP_CLEARANCE_KEY_FILE"

# value_kind values of connector_values (and of Classified.value_kind).
LITERAL, REFERENCE, PLACEHOLDER, EMPTY = "literal", "reference", "placeholder", "empty"

# How deep nested JSON and base64 are followed; a hostile value cannot make the scan recurse further.
_MAX_DEPTH = 3
# A value longer than this is scanned by shape only (no JSON/base64 decoding).
_MAX_DECODE_CHARS = 1 << 20


@dataclass(frozen=True)
class TokenFormat:
    """A provider's token format: its kind, the regex of its body and the public prefix shown."""

    kind: str
    body: str  # regex without boundaries (shared with the SQL redaction of audit tables)
    prefix: str  # regex of the public prefix kept in the redacted form


# Known token formats, most specific first (prefixes from the providers' documented formats, as
# gitleaks' rule set records them). `body` is RE2-compatible so pipelines/redaction.py reuses it.
TOKEN_FORMATS: tuple[TokenFormat, ...] = (
    TokenFormat("github_pat", r"github_pat_[A-Za-z0-9_]{20,}", r"github_pat_"),
    TokenFormat("github_token", r"gh[pousr]_[A-Za-z0-9]{20,}", r"gh[pousr]_"),
    TokenFormat("anthropic_key", r"sk-ant-[A-Za-z0-9_\-]{20,}", r"sk-ant-"),
    TokenFormat("api_key_sk", r"sk-[A-Za-z0-9_\-]{16,}", r"sk-"),
    TokenFormat("slack_token", r"xox[abposre]-[A-Za-z0-9\-]{10,}", r"xox[abposre]-"),
    TokenFormat("slack_token", r"xapp-[0-9]-[A-Za-z0-9\-]{10,}", r"xapp-"),
    TokenFormat("aws_access_key", r"(?:AKIA|ASIA)[A-Z0-9]{16}", r"AKIA|ASIA"),
    TokenFormat("google_api_key", r"AIza[0-9A-Za-z_\-]{35}", r"AIza"),
    TokenFormat("stripe_key", r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}", r"(?:sk|rk)_(?:live|test)_"),
    TokenFormat("stripe_webhook_secret", r"whsec_[0-9A-Za-z]{20,}", r"whsec_"),
    TokenFormat("gitlab_token", r"gl(?:pat|dt|rt|ptt|soat|cbt|ft|oas|agent)-[0-9A-Za-z_\-]{20,}",
                r"gl(?:pat|dt|rt|ptt|soat|cbt|ft|oas|agent)-"),
    TokenFormat("npm_token", r"npm_[A-Za-z0-9]{36}", r"npm_"),
    TokenFormat("huggingface_token", r"hf_[A-Za-z0-9]{30,}", r"hf_"),
    TokenFormat("sentry_token", r"sntry[su]_[A-Za-z0-9_=+/]{30,}", r"sntry[su]_"),
    TokenFormat("linear_key", r"lin_(?:api|oauth)_[A-Za-z0-9]{32,}", r"lin_(?:api|oauth)_"),
    TokenFormat("notion_token", r"ntn_[A-Za-z0-9]{40,}", r"ntn_"),
    TokenFormat("perplexity_key", r"pplx-[A-Za-z0-9]{40,}", r"pplx-"),
    TokenFormat("groq_key", r"gsk_[A-Za-z0-9]{40,}", r"gsk_"),
    TokenFormat("xai_key", r"xai-[A-Za-z0-9]{40,}", r"xai-"),
    TokenFormat("replicate_token", r"r8_[A-Za-z0-9]{30,}", r"r8_"),
    TokenFormat("docker_pat", r"dckr_pat_[A-Za-z0-9_\-]{20,}", r"dckr_pat_"),
    TokenFormat("vault_token", r"hv[sbr]\.[A-Za-z0-9_\-]{20,}", r"hv[sbr]\."),
    TokenFormat("sendgrid_key", r"SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}", r"SG\."),
    TokenFormat("shopify_token", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}", r"shp(?:at|ca|pa|ss)_"),
    TokenFormat("digitalocean_token", r"do[por]_v1_[a-f0-9]{64}", r"do[por]_v1_"),
    TokenFormat("databricks_token", r"dapi[a-f0-9]{32}", r"dapi"),
    TokenFormat("figma_token", r"figd_[A-Za-z0-9_\-]{30,}", r"figd_"),
    TokenFormat("postman_key", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}", r"PMAK-"),
    TokenFormat("atlassian_token", r"ATATT3[A-Za-z0-9_\-=]{50,}", r"ATATT3"),
    TokenFormat("telegram_bot_token", r"[0-9]{8,10}:AA[A-Za-z0-9_\-]{33}", r""),
    TokenFormat("jwt", r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*", r"eyJ"),
)
_FORMAT_PATTERNS = [(f, re.compile(r"(?<![A-Za-z0-9])(?:" + f.body + ")")) for f in TOKEN_FORMATS]
# Public prefixes, longest first: what a redacted form may keep (never a secret character).
PUBLIC_PREFIX = r"^(?:" + "|".join(f.prefix for f in TOKEN_FORMATS if f.prefix) + ")"
_PUBLIC_PREFIX = re.compile(PUBLIC_PREFIX)
# Literal prefixes for spotting placeholders that borrow a format's prefix (`ghp_dummy`, `sk-...`).
_PLACEHOLDER_PREFIXES = re.compile(
    r"^(?:github_pat_|gh[pousr]_|sk-ant-|sk-proj-|sk-|sk_live_|sk_test_|rk_live_|xox[abposre]-|AKIA|ASIA|AIza|glpat-"
    r"|npm_|hf_|lin_api_|whsec_|dckr_pat_|hvs\.|figd_|sntrys_|pplx-|gsk_|xai-|r8_)"
)

_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----.*?"
    r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.DOTALL,
)
_AUTH_SCHEME = re.compile(r"(?<![A-Za-z0-9])(Bearer|Basic|Token|Bot)\s+([^\s\"',;]+)", re.IGNORECASE)
_SCHEME_PREFIX = re.compile(r"^\s*(?:Bearer|Basic|Token|Bot)(?:\s+|$)", re.IGNORECASE)
# a scheme starts only at the start of a word, so a long run of letters is scanned once, not once per letter
_URL = re.compile(r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{0,30}://[^\s\"'<>`]+")
_URL_USERINFO = re.compile(r"(?P<scheme>(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{0,30}://)(?P<userinfo>[^\s/?#@\"'<>]+)@")
_QUERY_PARAM = re.compile(r"[?&#;](?P<name>[A-Za-z0-9_.\-\[\]]+)=(?P<val>(?:\$\{[^}]*\}|[^&#\s\"'<>])*)")
_KEY_VALUE = re.compile(
    r"(?<![A-Za-z0-9_\-.])(?P<name>[A-Za-z_][A-Za-z0-9_.\-]{0,80})[\"']?[ \t]*(?:=|:)[ \t]*[\"']?"
    r"(?P<val>(?:\$\{[^}]*\}|[^\s\"'&;,<>(){}\[\]`])+)"
)
_BASE64_BLOB = re.compile(r"(?<![A-Za-z0-9+/=_\-])[A-Za-z0-9+/_\-]{32,}={0,2}(?![A-Za-z0-9+/=_\-])")

# Secret references: the value names where a secret lives instead of carrying it. A shell default
# (`${X:-d}`, `${X-d}`, `${X:=d}`, `${X:+d}`) is literal text the client may use instead.
_REFERENCES: list[tuple[str, re.Pattern[str]]] = [
    ("gha_secrets", re.compile(r"\$\{\{\s*secrets\.([A-Za-z0-9_\-]+)\s*\}\}")),
    ("hub_inputs", re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_\-]+)\s*\}\}")),  # Continue hub blocks
    ("input", re.compile(r"\$\{input:([^}]+)\}")),
    ("env", re.compile(r"\$\{env:([^}:]+)(?::-?(?P<default>[^}]*))?\}")),
    ("predefined", re.compile(r"\$\{(workspaceFolder|workspaceFolderBasename|userHome|pathSeparator|cwd)\}")),
    ("shell_default", re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?[-=+](?P<default>[^}]*)\}")),
    ("shell", re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")),
]

# -- names -------------------------------------------------------------------------------------

# Keywords found anywhere inside a name's words (PGPASSWORD, DBPASSWD, APITOKEN, XHubSignature).
_NAME_KEYWORDS_INSIDE = ("password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey",
                         "privatekey", "credential", "signature", "bearer", "cookie", "authorization",
                         "authtoken", "authkey", "webhookkey", "clientkey", "masterkey")
# Keywords that count only as a whole word (KEY, PAT, SIG) or a word's end (SMTP_PASS, MYSQL_PWD, PGPASS).
_NAME_KEYWORDS_WORD = {"pass", "pwd", "pw", "key", "keys", "auth", "pat", "sig", "jwt", "session", "private",
                       "creds", "cred", "otp", "hmac", "sas", "pin"}
_NAME_KEYWORDS_SUFFIX = ("pass", "pwd", "key")
# Words that carry a keyword but name something else (max_tokens, a keyboard, a bypass flag).
_NOT_SECRET_WORDS = {"tokens", "tokenizer", "tokenize", "tokenization", "bypass", "compass", "keyboard", "monkey",
                     "hotkey", "author", "authors", "authority", "passthrough", "passive", "pathkey"}
# A last word that makes the name describe a secret rather than hold one (TOKEN_URL, PASSWORD_FILE, KEY_ID).
_NEUTRAL_LAST_WORDS = {"url", "uri", "endpoint", "host", "file", "path", "dir", "type", "method", "name", "names",
                       "id", "ids", "count", "limit", "length", "len", "ttl", "expiry", "expires", "expiration",
                       "header", "env", "var", "mode", "scope", "scopes", "provider", "issuer", "audience", "format",
                       "enabled", "required", "location", "region", "policy", "size", "version", "kind", "arn",
                       "ref", "command", "cmd", "helper", "store", "source", "algorithm", "alg", "strategy",
                       "lifetime", "duration", "timeout", "prefix", "field", "param", "parameter", "style"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NAME_SPLIT = re.compile(r"[^A-Za-z0-9]+")


@lru_cache(maxsize=4096)
def name_words(name: str) -> tuple[str, ...]:
    """A name's word parts, lower-case: split on _ - . space and camelCase (`XHubSignature256` too)."""
    return tuple(w.lower() for w in _NAME_SPLIT.split(_CAMEL.sub(" ", name)) if w)


@lru_cache(maxsize=4096)
def is_secret_like_name(name: str | None) -> bool:
    """Whether a value under this env var, header, flag or key name is meant to be a secret."""
    if not name:
        return False
    words = [w for w in name_words(name) if not w.isdigit()]
    if not words or words[-1] in _NEUTRAL_LAST_WORDS:
        return False
    return any(_word_is_secret(w) for w in words)


def _word_is_secret(word: str) -> bool:
    if word in _NOT_SECRET_WORDS:
        return False
    if word in _NAME_KEYWORDS_WORD or word.startswith("auth"):
        return True
    return any(k in word for k in _NAME_KEYWORDS_INSIDE) or word.endswith(_NAME_KEYWORDS_SUFFIX)


# -- placeholders ------------------------------------------------------------------------------

_PLACEHOLDER_WORDS = frozenset({
    "your", "my", "the", "a", "an", "here", "put", "insert", "enter", "replace", "with", "paste", "add", "set",
    "fill", "goes", "own", "this", "that", "is", "to", "of", "for", "placeholder", "changeme", "change", "me",
    "changeit", "dummy", "example", "examples", "sample", "test", "testing", "fake", "todo", "tbd", "fixme",
    "redacted", "hidden", "secret", "secrets", "token", "tokens", "key", "keys", "api", "apikey", "password",
    "passwd", "pass", "pwd", "value", "values", "string", "personal", "access", "pat", "bot", "app", "user",
    "oauth", "client", "id", "auth", "bearer", "github", "gitlab", "slack", "openai", "anthropic", "claude",
    "aws", "google", "gemini", "stripe", "linear", "notion", "jira", "sentry", "brave", "figma", "azure", "org",
    "account", "service", "default", "none", "null", "nil", "empty", "foo", "bar", "baz", "qux", "xyz", "real",
    "actual", "new", "generated", "provided", "required", "proj", "live", "prod", "dev", "demo", "mock", "stub",
    "sk", "ghp", "gho", "xoxb", "xoxp", "npm", "hf", "glpat", "credential", "credentials",
    "private", "signature", "sig", "webhook", "refresh", "session", "cookie", "jwt", "db", "database",
})
_PLACEHOLDER_MARKERS = frozenset({"your", "here", "insert", "enter", "replace", "placeholder", "changeme", "dummy",
                                  "example", "sample", "fake", "todo", "xxx", "xxxx"})
# words as people write them (UPPER, lower, Capitalised or CamelCase), not mixed-case noise like `JtxNEZj`
_WORDS_ONLY = re.compile(r"^(?:[A-Z]+|[a-z]+|(?:[A-Z][a-z]+)+)(?:[_\-. ](?:[A-Z]+|[a-z]+|(?:[A-Z][a-z]+)+))*$")
_FILLER = re.compile(r"^(?:[xX]+|\*+|\.+|…+|_+|-+|#+|0+|\?+)$")
_TEMPLATE = re.compile(r"^(?:<[^<>]+>|\{\{[^{}]+\}\}|\{[^{}]+\}|\[[^\[\]]+\]|%[^%]+%|__[^_].*__)$")
_TEMPLATE_INNER = re.compile(r"^[\s<{\[%_]*[A-Za-z][A-Za-z _\-.:]*[\s>}\]%_]*$")


def _breaks_into_vocabulary(word: str) -> bool:
    """Whether a lower-case word is a run of placeholder words (`yourapikey`, `changeme`)."""
    if len(word) > 40:
        return False
    ok = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        ok[end] = any(ok[start] and (word[start:end] in _PLACEHOLDER_WORDS or _FILLER.match(word[start:end]))
                      for start in range(max(0, end - 14), end))
    return ok[-1]


def _low_randomness(text: str) -> bool:
    """Filler a human typed (`xxxxxxxx`, `aaaa1111`), not the output of a token generator."""
    core = re.sub(r"[\W_]", "", text)
    if not core:
        return True
    return len(set(core)) <= 2 or (len(core) >= 12 and shannon_entropy(core) < 2.5)


def looks_like_placeholder(value: str) -> bool:
    """Evidence that a value in a secret position stands in for a secret: vocabulary only, filler,
    a template bracket around words, or a known prefix followed by such text (`ghp_dummy`, `sk-...`)."""
    text = value.strip().strip("\"'")
    if not text:
        return False
    if _TEMPLATE.match(text) and _TEMPLATE_INNER.match(text):
        return True
    body = _PLACEHOLDER_PREFIXES.sub("", text, count=1)
    if not body or _FILLER.match(body):
        return True
    words = [w.lower() for w in _NAME_SPLIT.split(_CAMEL.sub(" ", body)) if w]
    if words and all(w in _PLACEHOLDER_WORDS or _FILLER.match(w) or _breaks_into_vocabulary(w) for w in words):
        return True
    # `YOUR_PERPLEXITY_API_KEY_HERE`: words only (no digit a generator would mix in), one of them an
    # instruction to the reader; the provider's name need not be in the vocabulary
    if _WORDS_ONLY.match(body) and _PLACEHOLDER_MARKERS.intersection(words):
        return True
    return _low_randomness(body) and len(body) >= 4


# -- evidence a real token has ----------------------------------------------------------------

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def github_checksum_valid(token: str) -> bool:
    """GitHub's token format: 4-char prefix, 30 random base62 chars, then the CRC32 of those 30
    chars as 6 base62 digits (zero-padded). A valid checksum proves a real-format token."""
    if not re.fullmatch(r"gh[pousr]_[A-Za-z0-9]{36}", token):
        return False
    entropy, check = token[4:34], token[34:]
    value = 0
    for char in check:
        value = value * 62 + _BASE62.index(char)
    return zlib.crc32(entropy.encode()) == value


def shannon_entropy(text: str) -> float:
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _high_entropy(text: str, min_len: int = 16) -> bool:
    """Random-looking: long enough, mixed letters and digits, and close to a generator's entropy."""
    if "%" in text:
        text = unquote(text)  # `docs%2Caccount` is words and commas, not digits a generator mixed in
    if len(text) < min_len or not re.search(r"[A-Za-z]", text) or not re.search(r"[0-9]", text):
        return False
    if re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", text):
        return False  # a UUID names a resource
    if re.fullmatch(r"[0-9a-f]+", text):
        return len(text) >= 32 and shannon_entropy(text) >= 3.0
    return shannon_entropy(text) >= min(3.5, math.log2(len(text)) - 0.7)


def _path_like(text: str) -> bool:
    return bool(re.match(r"^(?:/|\./|\.\./|~[/\\]|[A-Za-z]:[\\/]|file:)", text))


_NOT_A_SECRET_VALUE = {"true", "false", "yes", "no", "none", "null", "on", "off", "enabled", "disabled", "required",
                       "optional", "auto", "default"}


def _named_verdict(candidate: str) -> str | None:
    """For a literal in a secret position: 'secret', 'placeholder' or None (no secret: a path, a flag)."""
    text = candidate.strip().strip("\"'")
    if len(text) < 4 or text.lower() in _NOT_A_SECRET_VALUE or _path_like(text) or _URL.fullmatch(text):
        return None
    if re.fullmatch(r"-{1,2}[A-Za-z][\w-]*", text):  # the next flag, not a value
        return None
    return PLACEHOLDER if looks_like_placeholder(text) else "secret"


# -- references --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reference:
    start: int
    end: int
    syntax: str
    target: str
    default: tuple[int, int] | None  # span of a literal default inside the reference


def _references(text: str) -> list[_Reference]:
    refs: list[_Reference] = []
    taken: list[tuple[int, int]] = []
    for syntax, pattern in _REFERENCES:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            groups = m.groupdict()
            default = (m.start("default"), m.end("default")) if groups.get("default") else None
            target = next(g for g in m.groups() if g is not None)
            refs.append(_Reference(m.start(), m.end(), syntax, target, default))
            taken.append((m.start(), m.end()))
    return sorted(refs, key=lambda r: r.start)


def _literal_pieces(text: str, refs: list[_Reference]) -> Iterator[tuple[int, int, list[str]]]:
    """(start, end, names) of every literal run and every default among the references.

    A run glued to a reference (`${API_KEY}literal`, no separator between) and a default take the
    reference's variable name: that literal is part of the same value.
    """
    pos = 0
    for i, ref in enumerate(refs):
        if ref.start > pos:
            names = [refs[i - 1].target] if i and text[pos].isalnum() else []
            yield pos, ref.start, names + ([ref.target] if text[ref.start - 1].isalnum() else [])
        if ref.default:
            yield ref.default[0], ref.default[1], [ref.target]
        pos = ref.end
    if pos < len(text):
        yield pos, len(text), [refs[-1].target] if refs and text[pos].isalnum() else []


def _is_reference(text: str) -> bool:
    """A value that is nothing but references (and separators)."""
    refs = _references(text)
    return bool(refs) and not any(text[s:e].strip(" \t/:-_.") for s, e, _ in _literal_pieces(text, refs))


# -- the result --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Classified:
    """What may be stored about one input value."""

    value_kind: str  # literal | reference | placeholder | empty
    reference_syntax: str | None
    reference_target: str | None
    display_value: str | None  # the value itself when it holds no secret, else its redacted form
    is_secret: bool
    secret_kind: str | None
    fingerprint: str | None


Hit = tuple[str, int, int]  # (secret kind, start, end)


def redacted(kind: str, secret: str) -> str:
    """The stored form of a secret: its public prefix (if any), its kind and its length."""
    match = _PUBLIC_PREFIX.match(secret)
    prefix = match.group(0) if match else ""
    return f"{prefix}****[{kind}, {len(secret)} chars]"


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

    # free text ----------------------------------------------------------------------------

    def find(self, text: str) -> list[Hit]:
        """(kind, start, end) of every literal secret in free text, references and placeholders excluded."""
        return _find(text, 0)

    def redact_text(self, text: str) -> str:
        """Free text with every detected secret replaced by its redacted form."""
        return _apply(text, self.find(text))

    def redact_path(self, path: str) -> str:
        """A path with every secret part of its components redacted (a token as a file or folder name)."""
        parts = []
        for component in path.split("/"):
            hits = _find(component, 0)
            for m in re.finditer(r"[A-Za-z0-9+]{20,}", component):
                covered = any(s < m.end() and m.start() < e for _, s, e in hits)
                if not covered and _high_entropy(m.group(0), 20):
                    hits.append(("path_token", m.start(), m.end()))
            parts.append(_apply(component, _merge(hits)))
        return "/".join(parts)

    # one value ----------------------------------------------------------------------------

    def classify(self, value: object, key_name: str | None = None) -> Classified:
        """Classify one input value found under `key_name` (env var, header, flag or JSON key)."""
        return self._classify(value, key_name, 0)

    def _classify(self, value: object, key_name: str | None, depth: int) -> Classified:
        if value is None or (isinstance(value, str) and not value.strip()):
            return Classified(EMPTY, None, None, None, False, None, None)
        text = value if isinstance(value, str) else str(value)
        leaves = _json_leaves(text, key_name, depth)
        if leaves is not None:
            nested = self._classify_json(leaves, depth)
            if nested is not None:
                return nested
        hits, refs, placeholder = _rate(text, key_name, depth)
        syntax, target = (refs[0].syntax, refs[0].target) if refs else (None, None)
        if hits:
            kind, start, end = max(hits, key=lambda h: h[2] - h[1])
            return Classified(LITERAL, syntax, target, _apply(text, hits), True, kind,
                              self.fingerprint(text[start:end]))
        if refs:
            return Classified(REFERENCE, syntax, target, text, False, None, None)
        if placeholder:
            return Classified(PLACEHOLDER, None, None, text, False, None, None)
        return Classified(LITERAL, None, None, text, False, None, None)

    def _classify_json(self, leaves: tuple[Any, list[tuple[list[Any], str | None, str]]], depth: int
                       ) -> Classified | None:
        """A JSON object or array inside a value: every string leaf classified under its own key."""
        data, paths = leaves
        found: list[Classified] = []
        for where, name, leaf in paths:
            rated = self._classify(leaf, name, depth + 1)
            if rated.is_secret:
                found.append(rated)
                _set_leaf(data, where, rated.display_value)
        if not found:
            return None
        shown = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        return Classified(LITERAL, None, None, shown, True, found[0].secret_kind, found[0].fingerprint)


def _json_leaves(text: str, key_name: str | None, depth: int
                 ) -> tuple[Any, list[tuple[list[Any], str | None, str]]] | None:
    """(document, [(path, key, string)]) when `text` is a JSON object or array, else None."""
    stripped = text.strip()
    if depth >= _MAX_DEPTH or len(stripped) > _MAX_DECODE_CHARS or stripped[:1] not in ("{", "["):
        return None
    try:
        data = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict | list):
        return None
    leaves: list[tuple[list[Any], str | None, str]] = []
    stack: list[tuple[Any, list[Any], str | None]] = [(data, [], key_name)]
    while stack:
        node, where, name = stack.pop()
        if len(where) > 64:
            continue
        if isinstance(node, dict):
            stack += [(v, [*where, k], str(k)) for k, v in node.items()]
        elif isinstance(node, list):
            stack += [(v, [*where, i], name) for i, v in enumerate(node)]
        elif isinstance(node, str | int | float) and not isinstance(node, bool):
            leaves.append((where, name, str(node)))
    return data, leaves


def _set_leaf(data: Any, where: list[Any], value: Any) -> None:
    for step in where[:-1]:
        data = data[step]
    data[where[-1]] = value


def _rate(text: str, key_name: str | None, depth: int) -> tuple[list[Hit], list[_Reference], bool]:
    """(secret hits, references, placeholder seen) of one value under `key_name`.

    Shapes are found anywhere; a literal run (or a reference's default) is also a secret when it
    sits in a secret position: under a secret-like name (the key or an adjacent reference's
    variable) or after an auth scheme (`Bearer ${T:-literal}`).
    """
    refs = _references(text)
    hits = _find(text, depth)
    placeholder = False
    for start, end, names in _literal_pieces(text, refs) if refs else [(0, len(text), [])]:
        piece_start, piece_end, after_scheme = _strip_piece(text, start, end)
        if piece_start >= piece_end or any(s < piece_end and piece_start < e for _, s, e in hits):
            continue
        candidate = text[piece_start:piece_end]
        if not (after_scheme or any(is_secret_like_name(n) for n in (key_name, *names))):
            placeholder = placeholder or bool(_PLACEHOLDER_PREFIXES.match(candidate)
                                              and looks_like_placeholder(candidate))
            continue
        verdict = _named_verdict(candidate)
        if verdict == "secret":
            hits.append(("bearer" if after_scheme else "secret_named_key", piece_start, piece_end))
        placeholder = placeholder or verdict == PLACEHOLDER
    return _merge(hits), refs, placeholder


_SEPARATORS = " \t\r\n:=;,\"'"
_DEFAULT_AFTER_SCHEME = re.compile(r"(?:Bearer|Basic|Token|Bot)\s+\$\{[^}]*$", re.IGNORECASE)


def _strip_piece(text: str, start: int, end: int) -> tuple[int, int, bool]:
    """A literal run without surrounding separators and without a leading auth scheme word."""
    piece = text[start:end]
    after_scheme = False
    scheme = _SCHEME_PREFIX.match(piece)
    if scheme:
        start += scheme.end()
        after_scheme = True
    elif _DEFAULT_AFTER_SCHEME.search(text, 0, start):
        after_scheme = True  # a default inside `Bearer ${T:-literal}`
    while start < end and text[start] in _SEPARATORS:
        start += 1
    while end > start and text[end - 1] in _SEPARATORS:
        end -= 1
    return start, end, after_scheme


# -- detection in free text --------------------------------------------------------------------


def _find(text: str, depth: int) -> list[Hit]:
    hits: list[Hit] = [("private_key", m.start(), m.end()) for m in _PRIVATE_KEY.finditer(text)]
    for fmt, pattern in _FORMAT_PATTERNS:
        for m in pattern.finditer(text):
            if _real_token(fmt, m.group(0)):
                hits.append((fmt.kind, m.start(), m.end()))
    for m in _AUTH_SCHEME.finditer(text):
        credential = m.group(2)
        if _is_reference(credential) or credential.startswith("${") or looks_like_placeholder(credential):
            continue
        if len(credential) >= 8 and not (credential.isalpha() and credential.islower() and len(credential) < 20):
            hits.append(("bearer", m.start(2), m.end(2)))
    for m in _URL_USERINFO.finditer(text):
        hits += _userinfo_hits(text, m)
    for m in _QUERY_PARAM.finditer(text):
        hits += _value_hits(text, m.start("val"), m.end("val"), m.group("name"), "url_token", entropy=True)
    for m in _KEY_VALUE.finditer(text):
        in_query = m.start() > 0 and text[m.start() - 1] in "?&#;"  # the query rule rates it
        if not in_query and is_secret_like_name(m.group("name")) and not _SCHEME_PREFIX.match(m.group("val") + " "):
            hits += _value_hits(text, m.start("val"), m.end("val"), m.group("name"), "secret_named_key")
    for m in _URL.finditer(text):
        hits += _path_segment_hits(m.group(0), m.start())
    if depth < _MAX_DEPTH and len(text) <= _MAX_DECODE_CHARS:
        for m in _BASE64_BLOB.finditer(text):
            inner = _decoded_secret_kind(m.group(0), depth)
            if inner:
                hits.append((f"{inner}_base64", m.start(), m.end()))
    return _merge(hits)


def _real_token(fmt: TokenFormat, token: str) -> bool:
    """A match of a known format that is a token, not a placeholder borrowing its prefix."""
    if fmt.kind == "github_token" and github_checksum_valid(token):
        return True
    if fmt.kind == "api_key_sk" and not re.search(r"[0-9]", token[3:]) and len(token) < 40:
        return False  # OpenAI keys are random base62: a key without a digit is kebab-case words
    body = _PUBLIC_PREFIX.sub("", token, count=1)
    return not looks_like_placeholder(body or token)


def _userinfo_hits(text: str, m: re.Match[str]) -> list[Hit]:
    userinfo, start = m.group("userinfo"), m.start("userinfo")
    user, colon, password = userinfo.partition(":")
    if colon:
        pw_start = start + len(user) + 1
        return _value_hits(text, pw_start, pw_start + len(password), "password", "url_password", always=True)
    if _high_entropy(user) and not _is_reference(user):
        return [("url_token", start, start + len(user))]
    return []


def _value_hits(text: str, start: int, end: int, name: str, kind: str, *, entropy: bool = False,
                always: bool = False) -> list[Hit]:
    """The secret parts of one value (a query value, a password, `NAME=value`): its literal runs and
    defaults, each a secret under a secret-like name (or, with `entropy`, when random-looking)."""
    value = text[start:end]
    refs = _references(value)
    hits: list[Hit] = []
    named = always or is_secret_like_name(name)
    for s, e, _ in _literal_pieces(value, refs) if refs else [(0, len(value), [])]:
        piece = value[s:e]
        if not piece.strip():
            continue
        if named:
            if (always and not looks_like_placeholder(piece)) or _named_verdict(piece) == "secret":
                hits.append((kind, start + s, start + e))
        elif entropy and _high_entropy(piece) and not looks_like_placeholder(piece):
            hits.append((kind, start + s, start + e))
    return hits


def _path_segment_hits(url: str, offset: int) -> list[Hit]:
    """A token as a URL path segment: high-entropy segments after the host (query excluded)."""
    rest = url.split("://", 1)[1]
    path = re.split(r"[?#]", rest, maxsplit=1)[0]
    host_end = path.find("/")
    if host_end < 0:
        return []
    hits: list[Hit] = []
    base = offset + url.index("://") + 3 + host_end
    pos = 0
    for segment in path[host_end:].split("/"):
        if segment and _high_entropy(segment, 20) and not _is_reference(segment):
            hits.append(("url_path_token", base + pos, base + pos + len(segment)))
        pos += len(segment) + 1
    return hits


def _decoded_secret_kind(blob: str, depth: int) -> str | None:
    """The kind of secret inside a base64 blob (a wrapped private key, a JSON credential), if any."""
    padded = blob + "=" * (-len(blob) % 4)
    try:
        raw = base64.b64decode(padded, altchars=b"-_" if ("-" in blob or "_" in blob) else None, validate=True)
        decoded = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    if not decoded or sum(c.isprintable() or c in "\r\n\t" for c in decoded) < 0.95 * len(decoded):
        return None
    inner = _find(decoded, depth + 1)
    if inner:
        return max(inner, key=lambda h: h[2] - h[1])[0]
    leaves = _json_leaves(decoded, None, depth + 1)
    for _, name, leaf in leaves[1] if leaves else []:
        found = _rate(leaf, name, depth + 2)[0]
        if found:
            return found[0][0]
    return None


def _merge(hits: list[Hit]) -> list[Hit]:
    """Drop hits that overlap a longer one, so a JWT inside a Bearer header is redacted once."""
    merged: list[Hit] = []
    for kind, start, end in sorted(hits, key=lambda h: (h[1], -(h[2] - h[1]))):
        if merged and start < merged[-1][2]:
            if end > merged[-1][2]:
                last = merged[-1]
                merged[-1] = (last[0], last[1], end)
            continue
        merged.append((kind, start, end))
    return merged


def _apply(text: str, hits: list[Hit]) -> str:
    for kind, start, end in reversed(hits):
        text = text[:start] + redacted(kind, text[start:end]) + text[end:]
    return text
