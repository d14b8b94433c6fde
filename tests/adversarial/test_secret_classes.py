"""Every class of secret the scanner must catch, many cases each, against SecretScanner and the connector walk.

Expected answers come from the rules in docs/secrets.md: a literal secret is redacted and fingerprinted, a
reference with nothing attached stays a reference, a placeholder is its own kind, and no stored or printed
form (display value, quarantine reason, path, audit string) holds a secret character run.
"""

from __future__ import annotations

import base64
import json
import random
import string
import zlib
from pathlib import Path

import duckdb
import pytest

from mcp_clearance.pipelines import redaction
from mcp_clearance.pipelines.base import OUTSIDE_ESTATE, LoadContext, safe_reason
from mcp_clearance.pipelines.connectors._common import ServerSpec, classified_values
from mcp_clearance.pipelines.redaction import redact_loaded_audit
from mcp_clearance.sample_estate import secret_value
from mcp_clearance.secrets import (
    PLACEHOLDER,
    REFERENCE,
    SecretScanner,
    github_checksum_valid,
    is_secret_like_name,
    looks_like_placeholder,
)
from mcp_clearance.store import create_schema

SCANNER = SecretScanner(b"k" * 32)
RNG = random.Random(9)
ALNUM = string.ascii_letters + string.digits
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def assert_secret(value: str, key: str | None, secret: str, kind: str | None = None) -> None:
    """`value` under `key` is a literal secret; `secret` (the secret part) is nowhere in what is stored."""
    rated = SCANNER.classify(value, key)
    assert rated.is_secret and rated.value_kind == "literal", (value, key, rated)
    assert secret not in (rated.display_value or ""), rated.display_value
    assert "****[" in (rated.display_value or "") and rated.fingerprint and rated.fingerprint.startswith("hmac:")
    if kind is not None:
        assert rated.secret_kind == kind, rated


def github_token(prefix: str, entropy: str) -> str:
    """A token in GitHub's format: 30 base62 chars, then their CRC32 as 6 base62 digits."""
    value, digits = zlib.crc32(entropy.encode()), ""
    for _ in range(6):
        value, digit = divmod(value, 62)
        digits = BASE62[digit] + digits
    return f"{prefix}_{entropy}{digits}"


# -- references with a literal attached ------------------------------------------------------------------------

LITERAL_ATTACHED = [
    ("${DB_PASSWORD:-hunter22x}", "DB_PASSWORD", "hunter22x"),
    ("${DB_PASSWORD-hunter22x}", "PASSWORD", "hunter22x"),
    ("${DB_PASSWORD:=Zq9mX2wL}", "DATABASE_PASSWORD", "Zq9mX2wL"),
    ("${PW:+Zq9mX2wLk}", "DB_PASS", "Zq9mX2wLk"),
    ("${API_KEY}s3cr3tSuffix9", "X", "s3cr3tSuffix9"),
    ("pre9Xk2${API_KEY}", "SERVICE", "pre9Xk2"),
    ("Bearer ${T:-abcDEF123456}", "Authorization", "abcDEF123456"),
    ("Bearer ${env:TOKEN:-abcDEF123456}", "Authorization", "abcDEF123456"),
    ("${NEUTRAL:-ghp_" + "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5}", "SOME_VALUE", "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5"),
    ("postgres://svc:${PW:-Pa55word9}@db/x", "DATABASE_URL", "Pa55word9"),
    ("https://x.example/mcp?token=${T:-tok9Xk2mQ7}", None, "tok9Xk2mQ7"),
]


@pytest.mark.parametrize(("value", "key", "secret"), LITERAL_ATTACHED)
def test_a_reference_with_a_secret_literal_attached_is_a_literal_secret(value: str, key: str | None,
                                                                      secret: str) -> None:
    assert_secret(value, key, secret)


NOTHING_ATTACHED = [
    ("${input:gh-pat}", "GITHUB_TOKEN", "input"),
    ("${env:LINEAR_API_KEY}", "LINEAR_API_KEY", "env"),
    ("${JIRA_TOKEN}", "JIRA_TOKEN", "shell"),
    ("$JIRA_TOKEN", "JIRA_TOKEN", "shell"),
    ("${{ secrets.GITHUB_TOKEN }}", "GITHUB_TOKEN", "gha_secrets"),
    ("Bearer ${JIRA_TOKEN}", "Authorization", "shell"),
    ("Bearer ${env:TOKEN}", "Authorization", "env"),
    ("token ${input:gh}", "Authorization", "input"),
    ("postgresql://app:${{ secrets.PG_PASSWORD }}@db.internal:5432/app", "DATABASE_URL", "gha_secrets"),
    ("https://${HOST}/mcp?key=${API_KEY}", "URL", "shell"),
    ("${HOME}/.config/sa.json", "GOOGLE_APPLICATION_CREDENTIALS", "shell"),
    ("${JIRA_URL:-https://jira.example/mcp}", "API_TOKEN", "shell_default"),
    ("${A}:${B}", "API_KEY", "shell"),
]


@pytest.mark.parametrize(("value", "key", "syntax"), NOTHING_ATTACHED)
def test_a_reference_with_nothing_secret_attached_stays_a_reference(value: str, key: str, syntax: str) -> None:
    rated = SCANNER.classify(value, key)
    assert (rated.value_kind, rated.reference_syntax, rated.is_secret) == (REFERENCE, syntax, False)
    assert rated.display_value == value


# -- names -----------------------------------------------------------------------------------------------------

SECRET_NAMES = ["PGPASSWORD", "SMTP_PASS", "MYSQL_PWD", "DB_PASSWD", "PGPASS", "X-Hub-Signature",
                "X-Hub-Signature-256", "X-Signature", "X-Slack-Signature", "Stripe-Signature", "X-Acme-Sig", "apiKey",
                "api-key", "X-API-KEY", "consumerSecret", "clientSecret", "GITHUB_PERSONAL_ACCESS_TOKEN",
                "Authorization", "Proxy-Authorization",
                "Cookie", "session", "PRIVATE_KEY", "privateKey", "--token", "--api-key", "-password", "AWS_SECRET",
                "ENCRYPTION_KEY", "JWT", "AUTH", "OPENAI_APIKEY", "webhookSecret", "SASL_PASSWORD", "credentials"]
NEUTRAL_NAMES = ["TOKEN_URL", "AUTH_TYPE", "PASSWORD_FILE", "KEY_ID", "AWS_ACCESS_KEY_ID", "MAX_TOKENS", "tokenizer",
                 "AUTHOR", "BYPASS_CACHE", "KEYBOARD_LAYOUT", "SECRET_NAME", "TOKEN_PATH", "PATH", "HOME",
                 "AWS_REGION", "SLACK_TEAM_ID", "DEBUG", "--headless", None, ""]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_like_names_by_word_parts_and_keywords_inside_words(name: str) -> None:
    assert is_secret_like_name(name)
    assert_secret("Zq9mX2wLk7", name, "Zq9mX2wLk7")


@pytest.mark.parametrize("name", NEUTRAL_NAMES)
def test_names_that_describe_a_secret_or_something_else_are_neutral(name: str | None) -> None:
    assert not is_secret_like_name(name)
    rated = SCANNER.classify("Zq9mX2wLk7", name)
    assert not rated.is_secret and rated.display_value == "Zq9mX2wLk7"


@pytest.mark.parametrize("value", ["/run/secrets/db.pem", "./key.json", "~/.ssh/id_ed25519", "C:\\keys\\a.pem", "true",
                                   "false", "https://vault.example/v1/secret/data/app", "abc"])
def test_non_secret_values_under_secret_names_are_kept(value: str) -> None:
    rated = SCANNER.classify(value, "API_KEY")
    assert not rated.is_secret and rated.display_value == value


# -- URLs ------------------------------------------------------------------------------------------------------

URL_CASES = [
    ("https://x.example/cb?client_secret=Zy8wXv7u&region=eu", "Zy8wXv7u", "url_token"),
    ("https://x.example/cb?access-token=Zy8wXv7u99", "Zy8wXv7u99", "url_token"),
    ("https://x.example/cb?a=1&api_key=Zy8wXv7u99#top", "Zy8wXv7u99", "url_token"),
    ("https://x.example/cb?sig=Zy8wXv7u99Q", "Zy8wXv7u99Q", "url_token"),
    ("https://x.example/cb?X-Amz-Signature=9f8e7d6c5b4a39281706f5e4d3c2b1a0", "9f8e7d6c5b4a39281706f5e4d3c2b1a0", None),
    ("https://x.example/cb?opaque=aB3dE5gH7jK9mN1pQ3sT", "aB3dE5gH7jK9mN1pQ3sT", "url_token"),  # high entropy
    ("https://x.example/cb#access_token=Zy8wXv7u99", "Zy8wXv7u99", "url_token"),
    ("postgresql://svc_ro:Pa55w0rd!@db.internal/payments", "Pa55w0rd!", "url_password"),
    ("redis://:R3disPw9@cache:6379", "R3disPw9", "url_password"),
    ("mongodb+srv://user:M0ngoPw9@cluster.example/db", "M0ngoPw9", "url_password"),
    ("https://aB3dE5gH7jK9mN1pQ3sT5vX7@github.com/org/repo.git", "aB3dE5gH7jK9mN1pQ3sT5vX7", "url_token"),
    ("https://hooks.example.com/services/T0AB12CD/B0XY/aB3dE5gH7jK9mN1pQ3sT5vX7", "aB3dE5gH7jK9mN1pQ3sT5vX7",
     "url_path_token"),
    ("https://mcp.example.io/t/ghp_aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5/mcp", "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5",
     "github_token"),
    ("https://api.example/v1/0123456789abcdef0123456789abcdef/run", "0123456789abcdef0123456789abcdef",
     "url_path_token"),
]


@pytest.mark.parametrize(("url", "secret", "kind"), URL_CASES)
def test_url_secrets_in_userinfo_every_query_parameter_and_path_segments(url: str, secret: str,
                                                                         kind: str | None) -> None:
    assert_secret(url, None, secret, kind)


@pytest.mark.parametrize("url", ["https://mcp.linear.app/mcp", "https://api.example/v1/projects/550e8400-e29b-41d4-a716-"
                                 "446655440000/items", "https://x.example/search?q=hello&page=2&region=eu-west-1",
                                 "postgresql://ro@localhost/app", "https://docs.example.com/mcp?token="])
def test_plain_urls_are_kept_whole(url: str) -> None:
    rated = SCANNER.classify(url)
    assert not rated.is_secret and rated.display_value == url


# -- structured values -----------------------------------------------------------------------------------------


def pem(kind: str) -> str:
    return f"-----BEGIN {kind}PRIVATE KEY-----\n{rand(64)}\n{rand(64)}\n-----END {kind}PRIVATE KEY-----\n"


@pytest.mark.parametrize("kind", ["", "RSA ", "EC ", "OPENSSH ", "ENCRYPTED ", "DSA "])
def test_private_key_blocks_anywhere_under_any_name(kind: str) -> None:
    block = pem(kind)
    body = block.splitlines()[1]
    assert_secret(block, "NEUTRAL", body, "private_key")
    assert_secret(f"prefix text\n{block}suffix", None, body, "private_key")
    assert_secret(block.split("-----END")[0], "CERT_DATA", body, "private_key")  # cut short: still a key


def test_base64_wrapped_private_keys_and_credentials_are_decoded_and_scanned() -> None:
    for inner, kind in [(pem("RSA "), "private_key_base64"), (pem("OPENSSH "), "private_key_base64"),
                        ('{"password": "Zq9mX2wLk7aa", "user": "svc"}', "secret_named_key_base64"),
                        ("token ghp_aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5 here", "github_token_base64")]:
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            wrapped = encode(inner.encode()).decode()
            assert_secret(wrapped, "NEUTRAL", wrapped, kind)
    harmless = base64.b64encode(b"just a long harmless configuration note, nothing inside").decode()
    assert not SCANNER.classify(harmless, "NOTE").is_secret


def test_json_blob_in_a_value_is_parsed_and_its_keys_rate_its_values() -> None:
    cases = [
        ('{"auth": {"token": "plainsecret99"}}', "plainsecret99", "secret_named_key"),
        ('{"type": "service_account", "private_key": "' + pem("").replace("\n", "\\n") + '"}', None, "private_key"),
        ('[{"name": "a", "password": "Zq9mX2wLk7"}]', "Zq9mX2wLk7", "secret_named_key"),
        ('{"nested": {"deeper": {"url": "postgres://u:Pw9xQ2zL@h/db"}}}', "Pw9xQ2zL", "url_password"),
        ('{"upstream": "xoxb-123456789012-1234567890123-aB3dE5gH7jK9mN1pQ3sT5vX7"}',
         "aB3dE5gH7jK9mN1pQ3sT5vX7", "slack_token"),
    ]
    for value, secret, kind in cases:
        rated = SCANNER.classify(value, "SERVICE_CONFIG")
        assert rated.is_secret and rated.secret_kind == kind, rated
        assert json.loads(rated.display_value or "null") is not None  # still a JSON document
        if secret:
            assert secret not in (rated.display_value or "")
    plain = SCANNER.classify('{"region": "eu", "retries": 3}', "SERVICE_CONFIG")
    assert not plain.is_secret and plain.display_value == '{"region": "eu", "retries": 3}'


KNOWN_FORMATS = {
    "github_token": "ghp_" + rand(36), "github_pat": "github_pat_11" + rand(20) + "_" + rand(59),
    "anthropic_key": "sk-ant-api03-" + rand(93, ALNUM + "-_"), "api_key_sk": "sk-proj-" + rand(40),
    "slack_token": f"xoxb-{rand(12, string.digits)}-{rand(13, string.digits)}-{rand(24)}",
    "aws_access_key": "ASIA" + rand(16, string.ascii_uppercase + string.digits),
    "google_api_key": "AIza" + rand(35), "stripe_key": "rk_live_" + rand(24), "gitlab_token": "glpat-" + rand(20),
    "npm_token": "npm_" + rand(36), "huggingface_token": "hf_" + rand(34, string.ascii_letters),
    "sentry_token": "sntrys_" + rand(40), "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9." + rand(43),
    "vault_token": "hvs." + rand(90), "docker_pat": "dckr_pat_" + rand(27), "perplexity_key": "pplx-" + rand(48),
}


@pytest.mark.parametrize(("kind", "token"), sorted(KNOWN_FORMATS.items()))
def test_a_live_key_of_a_known_format_is_a_secret_under_any_name(kind: str, token: str) -> None:
    for key in ("X-Upstream", "NEUTRAL", None, "URL"):
        assert_secret(token, key, token[8:], kind)
    assert_secret(f"see {token} there", None, token[8:], kind)


# -- args and the connector walk -------------------------------------------------------------------------------

GHP = "ghp_aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5"


@pytest.mark.parametrize(("args", "secret_at", "secret"), [
    (["run", "-i", "-e", "GITHUB_TOKEN=Zq9mX2wLk7aa", "image:1"], 3, "Zq9mX2wLk7aa"),
    (["run", "--env", "PGPASSWORD=Zq9mX2wLk7aa", "image:1"], 2, "Zq9mX2wLk7aa"),
    (["run", "--env=SLACK_BOT_TOKEN=Zq9mX2wLk7aa", "image:1"], 1, "Zq9mX2wLk7aa"),
    (["run", "-e", "NEUTRAL=" + GHP, "image:1"], 2, GHP[4:]),
    (["--header", "Authorization: Bearer Zq9mX2wLk7aa"], 1, "Zq9mX2wLk7aa"),
    (["--header", "X-Api-Key: Zq9mX2wLk7aa"], 1, "Zq9mX2wLk7aa"),
    (["--header=X-Hub-Signature: Zq9mX2wLk7aa"], 0, "Zq9mX2wLk7aa"),
    (["--token=Zq9mX2wLk7aa"], 0, "Zq9mX2wLk7aa"),
    (["--api-key", "Zq9mX2wLk7aa"], 1, "Zq9mX2wLk7aa"),
    (["-c", "PGPASSWORD=Zq9mX2wLk7aa psql -h db"], 1, "Zq9mX2wLk7aa"),
    (["server", "postgresql://u:Zq9mX2wLk7aa@db/app"], 1, "Zq9mX2wLk7aa"),
])
def test_args_are_rated_under_the_name_that_says_what_they_are(args: list[str], secret_at: int, secret: str) -> None:
    spec = ServerSpec(name="s", scope="user", line=1, transport="stdio", command="docker", args=args)
    rows = list(classified_values(SCANNER, spec))
    shown = [r for r in rows if r[0] == "arg"]
    assert [i for i, (_, _, rated, _) in enumerate(shown) if rated.is_secret] == [secret_at]
    assert all(secret not in (text or "") for *_, text in shown)
    assert all(secret not in (rated.display_value or "") for _, _, rated, _ in rows)


def test_the_walk_rates_every_field_of_a_server() -> None:
    spec = ServerSpec(name="s", scope="user", line=1, transport="http", command="npx", args=["-y", "pkg@1.0.0"],
                      url="https://x.example/mcp?access_token=Zq9mX2wLk7aa",
                      env={"PGPASSWORD": "Pw9xQ2zLm", "REGION": "eu"}, headers={"X-Signature": "Sg9xQ2zLm"},
                      extra=[("oauth", "oauth.clientSecret", "Cs9xQ2zLm")])
    rated = {(f, k): c for f, k, c, _ in classified_values(SCANNER, spec)}
    assert {key for key, c in rated.items() if c.is_secret} == {
        ("url", None), ("env", "PGPASSWORD"), ("header", "X-Signature"), ("oauth", "oauth.clientSecret")}
    assert rated[("env", "REGION")].display_value == "eu"


# -- placeholders ----------------------------------------------------------------------------------------------

PLACEHOLDERS = [("YOUR_API_KEY", "API_KEY"), ("<YOUR_GITHUB_PAT>", "GITHUB_PERSONAL_ACCESS_TOKEN"),
                ("{secret}", "CLIENT_SECRET"), ("{{token}}", "TOKEN"), ("xoxb-your-token", "SLACK_BOT_TOKEN"),
                ("ghp_dummy", "GITHUB_TOKEN"), ("test-key", "API_KEY"), ("changeme", "DB_PASSWORD"),
                ("xxxxxxxx", "API_KEY"), ("your-api-key-here", "OPENAI_API_KEY"), ("sk-...", "OPENAI_API_KEY"),
                ("<token>", "Authorization"), ("Bearer <token>", "Authorization"),
                ("Bearer YOUR_TOKEN", "Authorization"),
                ("ghp_" + "x" * 36, "GITHUB_TOKEN"), ("sk-your-openai-api-key-here", "OPENAI_API_KEY"),
                ("AKIAXXXXXXXXXXXXXXXX", "AWS_ACCESS_KEY_ID"), ("********", "PASSWORD"), ("[API_KEY]", "API_KEY"),
                ("%SECRET%", "SECRET"), ("your_token_here", "TOKEN"), ("insert-key-here", "X-Api-Key"),
                ("REPLACE_ME", "PASSWORD"), ("<paste your key>", "API_KEY"), ("sk_test_xxxxxxxxxxxxxxxx", "STRIPE_KEY")]


@pytest.mark.parametrize(("value", "key"), PLACEHOLDERS)
def test_placeholders_in_secret_positions_are_their_own_kind(value: str, key: str) -> None:
    rated = SCANNER.classify(value, key)
    assert (rated.value_kind, rated.is_secret, rated.fingerprint) == (PLACEHOLDER, False, None), rated
    assert rated.display_value == value  # vocabulary and filler are safe to show


def test_github_checksum_is_crc32_of_the_random_part_in_base62() -> None:
    real = github_token("ghp", rand(30))
    assert github_checksum_valid(real)
    assert not github_checksum_valid(real[:-1] + ("A" if real[-1] != "A" else "B"))
    assert not github_checksum_valid("ghp_dummy")
    # a checksum proves a real-format token even when its random part happens to look like filler
    filler = github_token("gho", "x" * 30)
    assert github_checksum_valid(filler) and SCANNER.classify(filler, "GITHUB_TOKEN").is_secret


@pytest.mark.parametrize("kind", ["ghp", "github_pat", "sk", "xoxb", "akia", "aws_secret", "jwt", "bearer",
                                  "url_token", "pg", "vendor"])
def test_the_sample_estates_fake_secrets_stay_secrets(kind: str) -> None:
    """The sample's fakes carry FAKE in the middle and no GitHub checksum: right length, alphabet and
    randomness still make them secrets (a real-format token is never a placeholder)."""
    for key in ("a", "b", "c"):
        secret = secret_value(7, kind, key)
        name = {"aws_secret": "AWS_SECRET_ACCESS_KEY", "bearer": "Authorization", "pg": "PGPASSWORD",
                "vendor": "X-Api-Key", "url_token": "TOKEN"}.get(kind, "NEUTRAL")
        value = f"Bearer {secret}" if kind == "bearer" else secret
        assert not looks_like_placeholder(secret) or kind in ("url_token",)
        assert_secret(value, name, secret)


@pytest.mark.parametrize("token", [github_token("ghp", rand(30)) for _ in range(5)] + [
    "sk-proj-" + rand(48), "xoxb-" + rand(12, string.digits) + "-" + rand(12, string.digits) + "-" + rand(24),
    "AKIAIOSFODNN7EXAMPLE", "ghp_FAKEa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7"])
def test_real_format_tokens_are_never_placeholders(token: str) -> None:
    rated = SCANNER.classify(token, "GITHUB_TOKEN")
    assert rated.is_secret and rated.value_kind == "literal"


# -- quarantine reasons, paths, free text ------------------------------------------------------------------------


def duckdb_error(sql: str) -> duckdb.Error:
    try:
        duckdb.connect().execute(sql)
    except duckdb.Error as exc:
        return exc
    raise AssertionError("expected an error")


def test_foreign_error_messages_keep_only_their_class() -> None:
    conversion = duckdb_error("SELECT 'Zq9mX2wLk7secret'::INTEGER")
    malformed = duckdb_error("SELECT json('{\"password\": Zq9mX2wLk7secret')")
    for exc in (conversion, malformed):
        assert "Zq9mX2wLk7secret" in str(exc)  # DuckDB quotes the value ...
        reason = safe_reason(f"toolhive reader rejected the file: {exc}", SCANNER)
        assert "Zq9mX2wLk7secret" not in reason and reason.startswith("toolhive reader rejected the file: ")
    assert safe_reason(f"reader rejected the file: {conversion}", SCANNER) == (
        "reader rejected the file: Conversion Error (a value has the wrong type)")
    python = safe_reason("parser failed: ValueError: invalid literal for int() with base 10: 'Zq9mX2wLk7'", SCANNER)
    assert python == "parser failed: ValueError (a value is invalid)"
    assert safe_reason(f"line with {GHP}\nand more", SCANNER) == "line with ghp_****[github_token, 40 chars] and more"
    assert safe_reason("`env` must be an object, not a list", SCANNER) == "`env` must be an object, not a list"


def test_quarantine_and_paths_never_store_a_secret_or_a_machine_path(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    (estate / "connectors" / GHP).mkdir(parents=True)
    ctx = LoadContext(con=duckdb.connect(), estate_root=estate, scanner=SCANNER)
    inside = estate / "connectors" / GHP / f"backup-{'aB3dE5gH7jK9mN1pQ3sT5vX7'}.json"
    assert ctx.relative(inside) == ("connectors/ghp_****[github_token, 40 chars]/"
                                    "backup-****[path_token, 24 chars].json")
    outside = tmp_path / "home" / "alice" / "claude_desktop_config.json"
    assert ctx.relative(outside) == f"{OUTSIDE_ESTATE}/claude_desktop_config.json"
    assert str(tmp_path) not in ctx.relative(outside)
    ctx.quarantine(inside, "connectors", f"bad value {GHP}: Conversion Error: Could not convert 'Zq9mX2wLk7'", 3)
    ((source, _, line, reason),) = ctx.quarantined
    assert GHP[4:] not in source + reason and "Zq9mX2wLk7" not in reason and line == 3


@pytest.mark.parametrize("text", [f"failed to call https://x.example/?api_key=abcdef123456 with {GHP}",
                                  "PGPASSWORD=Zq9mX2wLk7 psql -h db", '{"password": "Zq9mX2wLk7"}',
                                  "Authorization: Bearer Zq9mX2wLk7aa", "postgres://u:Zq9mX2wLk7@db/app",
                                  "token: Zq9mX2wLk7aa"])
def test_redact_text_leaves_no_secret_in_free_text(text: str) -> None:
    redacted = SCANNER.redact_text(text)
    assert "Zq9mX2wLk7" not in redacted and "abcdef123456" not in redacted and GHP[4:] not in redacted
    assert "****[" in redacted


# -- audit strings in SQL --------------------------------------------------------------------------------------

AUDIT_STRINGS = ["postgres://svc_reader:Pa55w0rd9@db.internal:5432/app", "https://api.example/x?access-token=Tk9xQ2zLm8&p=2",
                 f"call with {GHP}", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl",
                 "PGPASSWORD=Zq9mX2wLk7 psql", KNOWN_FORMATS["anthropic_key"], KNOWN_FORMATS["slack_token"]]


def test_audit_strings_are_redacted_in_sql_with_the_python_contract() -> None:
    con = duckdb.connect()
    create_schema(con)
    for i, text in enumerate([*AUDIT_STRINGS, "https://api.example/v1/plain", None]):
        con.execute("INSERT INTO tool_calls (event_id, source_format, target_resource, delegation_chain, "
                    "source_file) VALUES (?, 'toolhive', ?, ?, 'audit/a.jsonl')", [str(i), text, [text, "alice"]])
    assert redact_loaded_audit(con) == 2 * len(AUDIT_STRINGS)
    rows = dict(con.execute("SELECT event_id::INT, target_resource FROM tool_calls").fetchall())
    chains = dict(con.execute("SELECT event_id::INT, delegation_chain FROM tool_calls").fetchall())
    for i, text in enumerate(AUDIT_STRINGS):
        assert rows[i] == SCANNER.redact_text(text), text  # the same redacted form as Python's
        assert chains[i] == [rows[i], "alice"]
    assert rows[len(AUDIT_STRINGS)] == "https://api.example/v1/plain" and rows[len(AUDIT_STRINGS) + 1] is None


def _tool_calls_each_with_a_password(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    create_schema(con)
    con.execute("INSERT INTO tool_calls (event_id, source_format, target_resource, source_file) "
                "SELECT i::VARCHAR, 'toolhive', 'postgres://svc:Pw' || i || 'x9Lq@db.internal:5432/app', "
                "'audit/a.jsonl' FROM range(?) AS r(i)", [rows])
    con.execute("CHECKPOINT")


def test_redaction_of_a_table_larger_than_memory_rewrites_it_in_windows(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row of a table holds a secret, and a single UPDATE of all of them would not fit in memory_limit
    (DuckDB keeps an update's values in memory until a checkpoint): redaction still rewrites every row.
    At test size: 1 M rows and 128 MB stand for 10 M events and the run's 1 GB."""
    monkeypatch.setattr(redaction, "WINDOW_ROWS", 100_000)
    rows = 1_000_000
    config = {"memory_limit": "128MB", "threads": "1", "temp_directory": str(tmp_path / "spill")}
    whole = duckdb.connect(str(tmp_path / "whole.duckdb"), config=config)
    _tool_calls_each_with_a_password(whole, rows)
    with pytest.raises(duckdb.OutOfMemoryException):  # the limit is low enough for the test to mean something
        whole.execute("UPDATE tool_calls SET target_resource = replace(target_resource, 'Pw', '**')")
    con = duckdb.connect(str(tmp_path / "windows.duckdb"), config=config)
    _tool_calls_each_with_a_password(con, rows)
    assert redact_loaded_audit(con) == rows
    assert con.execute("SELECT count(*) FROM tool_calls WHERE target_resource LIKE '%Pw%' "
                       "OR target_resource NOT LIKE 'postgres://svc:****[url\\_password, % chars]@db.internal:5432/app'"
                       " ESCAPE '\\'").fetchone() == (0,)
