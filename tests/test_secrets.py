from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mcp_clearance.secrets import SecretScanner, load_or_create_key

SCANNER = SecretScanner(b"k" * 32)

# Fake secrets in the real shapes of each token family.
LITERALS = {
    "github_pat": "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGH",
    "github_token": "ghp_aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5",
    "api_key_sk": "sk-proj-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1",
    "slack_token": "xoxb-123456789012-abcdefghijklmnop",
    "aws_access_key": "AKIAIOSFODNN7EXAMPLE",
    "jwt": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZ2VudC0xIiwiZXhwIjo0MH0.c2lnbmF0dXJlLXZhbHVl",
}


@pytest.mark.parametrize(("kind", "secret"), sorted(LITERALS.items()))
def test_known_token_formats_are_redacted_and_fingerprinted(kind: str, secret: str) -> None:
    result = SCANNER.classify(secret, "SOME_VALUE")
    assert result.is_secret and result.secret_kind == kind
    assert secret not in (result.display_value or "")
    assert secret[8:] not in (result.display_value or "")
    assert result.fingerprint == SCANNER.fingerprint(secret)


def test_same_secret_same_fingerprint_other_key_other_fingerprint() -> None:
    secret = LITERALS["github_token"]
    assert SCANNER.classify(secret).fingerprint == SCANNER.classify(f"token {secret}").fingerprint
    assert SecretScanner(b"x" * 32).fingerprint(secret) != SCANNER.fingerprint(secret)


@pytest.mark.parametrize(
    ("value", "syntax", "target"),
    [
        ("${input:gh-pat}", "input", "gh-pat"),
        ("Bearer ${env:LINEAR_API_KEY}", "env", "LINEAR_API_KEY"),
        ("${JIRA_TOKEN}", "shell", "JIRA_TOKEN"),
        ("${JIRA_URL:-https://jira.example/mcp}", "shell_default", "JIRA_URL"),
        ("${{ secrets.GITHUB_TOKEN }}", "gha_secrets", "GITHUB_TOKEN"),
        ("${{ inputs.github_token }}", "hub_inputs", "github_token"),
        ("$HOME/.config/gcloud/sa.json", "shell", "HOME"),
    ],
)
def test_references_are_not_secrets(value: str, syntax: str, target: str) -> None:
    result = SCANNER.classify(value, "API_TOKEN")
    assert (result.value_kind, result.reference_syntax, result.reference_target) == ("reference", syntax, target)
    assert not result.is_secret and result.display_value == value


def test_bearer_header_url_token_and_url_password() -> None:
    bearer = SCANNER.classify("Bearer lin_api_0123456789abcdef", "Authorization")
    assert bearer.is_secret and "lin_api_0123456789abcdef" not in bearer.display_value
    url = SCANNER.classify("https://mcp.example.com/sse?token=s3cr3tvalue99&region=eu")
    assert url.secret_kind == "url_token" and "s3cr3tvalue99" not in url.display_value
    assert url.display_value.endswith("&region=eu")
    dsn = SCANNER.classify("postgresql://svc_ro:Pa55w0rd!@db.internal/payments", "DATABASE_URI")
    assert dsn.secret_kind == "url_password" and "Pa55w0rd!" not in dsn.display_value


def test_literal_under_secret_like_name_is_a_secret_but_plain_values_are_kept() -> None:
    assert SCANNER.classify("k_live_abcdef", "X-Api-Key").is_secret
    assert SCANNER.classify("hunter22", "dbPassword").is_secret
    plain = SCANNER.classify("/srv/repo", "ROOT_DIR")
    assert not plain.is_secret and plain.display_value == "/srv/repo"
    assert SCANNER.classify("", "API_KEY").value_kind == "empty"


def test_redact_text_leaves_no_secret_in_free_text() -> None:
    text = f"failed to call https://x.example/?api_key=abcdef123456 with {LITERALS['aws_access_key']}"
    redacted = SCANNER.redact_text(text)
    assert "abcdef123456" not in redacted and LITERALS["aws_access_key"] not in redacted


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "fingerprint.key"
    key = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key and len(key) == 32
