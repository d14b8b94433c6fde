"""Credential inventories of every supported source, normalized into the `credentials` table.

Fixtures under tests/fixtures/credentials/ use the vendors' real shapes with fake ids; several carry
FAKE token values (Vault token ids, OAuth tokens, an Entra secretText, GCP privateKeyData, a Vault
dynamic-secret password) that must never reach a stored column.
"""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mcp_clearance.pipelines import credentials
from mcp_clearance.pipelines.base import BadRecord, LoadContext, discover_formats, load_family, read_text
from mcp_clearance.pipelines.credentials._common import KINDS, json_documents, timestamp

FIXTURES = Path(__file__).parent / "fixtures"
CREDENTIALS = FIXTURES / "credentials"
FORMATS = {"aws_iam_report", "gcp_sa_keys", "entra_app", "github_fine_grained", "vault_token", "k8s_token",
           "spiffe_svid", "oauth_token", "generic_csv", "az_app_credentials"}

# A distinctive piece of every FAKE secret planted in the fixtures.
SECRETS = [
    "FAKEvaultSERVICEtokenVALUE", "FAKEvaultROOTtokenVALUE", "FAKEvaultCIrunnerTOKEN", "FAKEdbPASSWORDvalue",
    "FAKEopaqueACCESStokenVALUE", "FAKEopaqueREFRESHtokenVALUE", "FAKEbrokenLINEtoken", "FAKEsigFAKEsig",
    "FAKEentraCLIENTsecretVALUE", "ewogICJ0eXBlIjogInNlcnZpY2VfYWNjb3VudCIs", "FAKEinstallTOKENvalue",
    "FAKEstatelessJWTinstallTOKEN", "FAKEanonymousTOKENvalue", "eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9",
]


def load(ctx: LoadContext, folder: str | Path) -> None:
    load_family(ctx, "credentials", credentials, folder if isinstance(folder, Path) else CREDENTIALS / folder)


def rows(ctx: LoadContext, source_like: str = "%") -> dict[str, dict[str, Any]]:
    """credentials rows of matching files by credential_id (kind-qualified when an id repeats)."""
    cursor = ctx.con.execute("SELECT * FROM credentials WHERE source_file LIKE ? ORDER BY source_file, source_line, "
                             "kind", [source_like])
    names = [d[0] for d in cursor.description]
    found: dict[str, dict[str, Any]] = {}
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        key = row["credential_id"] if row["credential_id"] not in found else f"{row['kind']}:{row['credential_id']}"
        found[key] = row
    return found


def quarantined(ctx: LoadContext, source_like: str = "") -> list[tuple[str, int | None, str]]:
    return [(source, line, reason) for source, _, line, reason in ctx.quarantined if source_like in source]


def loaded(ctx: LoadContext) -> dict[str, tuple[str | None, int, int]]:
    """format, rows loaded and rows quarantined per file."""
    return {source: (fmt, n, q) for source, _, fmt, n, q, *_ in ctx.sources}


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


# Plugin contract and detection ------------------------------------------------------------------


def test_one_module_per_source_in_priority_order() -> None:
    modules = discover_formats(credentials)
    assert {m.FORMAT for m in modules} == FORMATS
    assert all(m.__name__.endswith(f".{m.FORMAT}") and callable(m.load) for m in modules)
    assert [m.FORMAT for m in modules][-1] == "oauth_token", "plain JWT claims are the catch-all, asked last"


@pytest.mark.parametrize(("fixture", "fmt"), [
    ("aws/credential_report.csv", "aws_iam_report"),
    ("gcp/keys_mcp-bq-agent.json", "gcp_sa_keys"),
    ("entra/applications.json", "entra_app"),
    ("github/fine_grained_pats.json", "github_fine_grained"),
    ("vault/token_lookup.json", "vault_token"),
    ("k8s/sa_tokens.json", "k8s_token"),
    ("spiffe/jwt_svid_claims.json", "spiffe_svid"),
    ("oauth/access_token_claims.json", "oauth_token"),
    ("generic/saas_tokens.csv", "generic_csv"),
])
def test_format_is_detected_from_content_not_name(ctx: LoadContext, tmp_path: Path, fixture: str, fmt: str) -> None:
    shutil.copy(CREDENTIALS / fixture, tmp_path / "export.dat")
    load(ctx, tmp_path)
    [(found, count, _)] = loaded(ctx).values()
    assert found == fmt and count > 0


def test_every_kind_and_format_stored_is_a_documented_value(ctx: LoadContext) -> None:
    load(ctx, CREDENTIALS)
    stored = ctx.con.execute("SELECT DISTINCT kind, source_format FROM credentials").fetchall()
    assert {kind for kind, _ in stored} <= set(KINDS) and {fmt for _, fmt in stored} == FORMATS
    docs = (Path(__file__).parent.parent / "docs" / "formats" / "credentials.md").read_text()
    assert all(f"`{kind}`" in docs for kind in KINDS) and all(f"`{fmt}`" in docs for fmt in FORMATS)


# One test per source ----------------------------------------------------------------------------


def test_aws_iam_report(ctx: LoadContext) -> None:
    load(ctx, "aws")
    found = rows(ctx, "credentials/aws/%")
    jira = found["arn:aws:iam::123456789012:user/agents/mcp-jira-agent#access_key_1"]
    assert (jira["kind"], jira["principal"], jira["source_file"], jira["source_line"]) == (
        "static_key", "mcp-jira-agent", "credentials/aws/credential_report.csv", 3)
    # Static keys never expire: lifetime comes from rotation age, not from an expiry.
    assert jira["expires_at"] is None and jira["lifetime_s"] is None
    assert jira["issued_at"] == jira["last_rotated_at"] == ts("2024-11-04T16:20:01")
    assert jira["last_used_at"] == ts("2026-08-20T13:02:00") and jira["active"] is True
    # Key 2 is inactive but was used, so it is still a credential; uppercase TRUE/FALSE parse too.
    ledger2 = found["arn:aws:iam::123456789012:user/agents/svc-ledger-agent#access_key_2"]
    assert ledger2["active"] is False and ledger2["last_used_at"] == ts("2026-05-30T23:10:00")
    password = found["arn:aws:iam::123456789012:user/people/dana#password"]
    assert password["kind"] == "password" and password["expires_at"] == ts("2026-08-30T08:00:00")
    assert password["lifetime_s"] == 90 * 86400 and password["last_used_at"] == ts("2026-08-19T08:00:00")
    # Root (not_supported password, no keys) and never-used inactive keys yield nothing.
    assert not any("root" in k for k in found)
    assert "arn:aws:iam::123456789012:user/people/dana#access_key_1" not in found
    # The gzip-compressed report loads like the plain one.
    notes = found["arn:aws:iam::210987654321:user/agents/mcp-notes-agent#access_key_1"]
    assert notes["source_file"].endswith(".csv.gz") and notes["source_line"] == 2 and notes["last_used_at"] is None
    assert loaded(ctx)["credentials/aws/credential_report.csv"] == ("aws_iam_report", 4, 0)


def test_gcp_service_account_keys(ctx: LoadContext) -> None:
    load(ctx, "gcp")
    found = rows(ctx)
    user = found["90c48f61c65cd56224a12ab18e6ee9ca9c3aee7c"]
    assert (user["kind"], user["principal"]) == ("static_key", "mcp-bq-agent@acme-prod.iam.gserviceaccount.com")
    assert user["expires_at"] is None and user["lifetime_s"] is None, "9999-12-31T23:59:59Z means never"
    assert user["issued_at"] == user["last_rotated_at"] == ts("2025-03-04T17:39:47") and user["source_line"] == 3
    system = found["e5e3800831ac1adc8a5849da7d827b4724b1fce8"]
    assert system["kind"] == "managed_key" and system["lifetime_s"] == 14 * 86400 and system["active"] is True
    assert found["3f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c"]["active"] is False  # disabled
    assert found["aa11bb22cc33dd44ee55ff66aa77bb88cc99dd00"]["principal"].startswith("mcp-docs-agent@")  # gcloud array
    assert quarantined(ctx) == [("credentials/gcp/keys_mcp-bq-agent.json", 31,
                                 "key `name` is not projects/<p>/serviceAccounts/<email>/keys/<id>")]


def test_entra_application_credentials(ctx: LoadContext) -> None:
    load(ctx, "entra")
    found = rows(ctx)
    app = "6a1e4f3b-8d2c-4f5e-a1b2-3c4d5e6f7a8b"
    secret = found["b3c9a0e2-5d41-4c7e-8f2a-1d3e5f7a9b0c"]
    assert (secret["kind"], secret["principal"], secret["source_line"]) == ("password", app, 10)
    assert secret["lifetime_s"] == 730 * 86400
    cert = found["1e2f3a4b-5c6d-7e8f-9a0b-1c2d3e4f5a6b"]
    assert (cert["kind"], cert["expires_at"], cert["source_line"]) == ("certificate", ts("2026-12-31T23:59:59"), 21)
    federated = found["f1c0d2e3-a4b5-4c6d-8e7f-9a0b1c2d3e4f"]
    assert (federated["kind"], federated["principal"], federated["expires_at"], federated["lifetime_s"]) == (
        "federated", app, None, None)
    # No appId: the display name is the principal. The app's second secret has a bad date and is
    # quarantined on its own line; its first secret loads.
    assert found["0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9"]["principal"] == "legacy-reporting-bot"
    assert quarantined(ctx) == [("credentials/entra/applications.json", 69, "unparseable timestamp in `endDateTime`")]
    assert len(found) == 4  # the managed identity has no credentials of its own


def test_github_fine_grained_pats(ctx: LoadContext) -> None:
    load(ctx, "github")
    found = rows(ctx, "%fine_grained_pats.json")
    laptop = found["98765"]
    assert (laptop["kind"], laptop["principal"], laptop["source_line"]) == ("pat", "octo-dev", 2)
    assert laptop["expires_at"] is None and laptop["lifetime_s"] is None, "token_expires_at null = never"
    assert laptop["scopes"] == ["contents:write", "members:read", "metadata:read", "pull_requests:write"]
    assert laptop["issued_at"] == ts("2026-05-02T14:11:09") and laptop["last_used_at"] == ts("2026-08-20T09:41:12")
    release = found["98802"]
    assert "repository_selection:all" in release["scopes"] and release["lifetime_s"] == 90 * 86400
    pending = found["99001"]
    assert pending["active"] is False and pending["issued_at"] == ts("2026-08-20T12:00:00")


def test_github_app_installation_tokens(ctx: LoadContext) -> None:
    load(ctx, "github")
    found = list(rows(ctx, "%installation_tokens.jsonl").values())
    assert [(r["principal"], r["kind"], r["lifetime_s"], r["source_line"]) for r in found] == [
        ("mcp-triage", "app_token", 3600, 1), ("mcp-release-app", "app_token", 3600, 2)]
    assert found[0]["expires_at"] == ts("2026-08-21T13:14:10") and found[0]["credential_id"].startswith("hmac:")
    assert found[1]["scopes"] == ["contents:write", "repository_selection:all"]
    [(_, line, reason)] = quarantined(ctx)
    assert line == 3 and "names no holder" in reason


def test_vault_token_lookup_and_leases(ctx: LoadContext) -> None:
    load(ctx, "vault")
    found = rows(ctx)
    token = found["hmac-fake-8609694a-cdbc-db9b"]
    assert (token["kind"], token["principal"], token["source_line"]) == (
        "vault_token", "kubernetes-agents-mcp-postgres", 1)
    assert token["issued_at"] == ts("2026-08-21T12:35:54") and token["lifetime_s"] == 3600
    assert token["expires_at"] == ts("2026-08-21T13:35:54.466476")  # nanoseconds cut to microseconds
    assert token["scopes"] == ["default", "db-readonly", "agents"]
    root = found["hmac-fake-root-0001"]
    assert root["expires_at"] is None and root["lifetime_s"] is None, "ttl 0 without expire_time = never"
    lease = found["database/creds/readonly/CCV6h8U59TuGNNrvSUPNndYh"]
    assert (lease["kind"], lease["principal"], lease["lifetime_s"]) == (
        "dynamic_secret", "database/creds/readonly", 3600)
    dynamic = found["database/creds/reporting/Zq4dT3xLmN0pQ8rS"]
    assert dynamic["lifetime_s"] == 86400 and dynamic["issued_at"] == ts("2026-08-21T06:00:00")  # observed_at
    assert found["hmac-fake-ci-runner-77"]["source_file"].endswith(".json.gz")
    assert quarantined(ctx) == [("credentials/vault/lookups.jsonl", 4,
                                 "neither a token lookup, a lease lookup nor a dynamic-secret lease")]


def test_kubernetes_service_account_tokens(ctx: LoadContext) -> None:
    load(ctx, "k8s")
    found = rows(ctx)
    bound = found["e51f1fbc-4733-4b85-a59f-ba80c0523874"]
    assert (bound["kind"], bound["principal"]) == ("projected_token", "system:serviceaccount:agents:mcp-github")
    # warnafter: the intended lifetime is warnafter - iat; exp (a year later) stays the hard expiry.
    assert bound["lifetime_s"] == 3607
    assert bound["issued_at"] == ts("2025-08-21T12:55:55") and bound["expires_at"] == ts("2026-08-21T12:55:55")
    assert found["7a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]["lifetime_s"] == 600  # no warnafter: exp - iat
    legacy = found["secret:legacy/report-bot-token-x7k2p"]
    assert (legacy["kind"], legacy["expires_at"], legacy["lifetime_s"]) == ("legacy_sa_token", None, None)
    assert [line for _, line, _ in quarantined(ctx)] == [60]  # a sub that is not a service account


def test_spiffe_entries_and_svids(ctx: LoadContext) -> None:
    load(ctx, "spiffe")
    found = rows(ctx)
    github = "spiffe://acme.prod/ns/agents/sa/mcp-github"
    x509, jwt = found["9b2f0c1e-3a44-4e0b-a7a8-2f1c5b9d0e11#x509"], found["9b2f0c1e-3a44-4e0b-a7a8-2f1c5b9d0e11#jwt"]
    assert (x509["kind"], x509["principal"], x509["lifetime_s"]) == ("x509_svid", github, 3600)
    assert (jwt["kind"], jwt["lifetime_s"], jwt["source_line"]) == ("jwt_svid", 300, 3)
    # ttl 0 → SPIRE's default; int64 as a protojson string.
    assert found["4c5d6e7f-8091-4a2b-b3c4-d5e6f7a8b9c0#x509"]["lifetime_s"] == 3600
    assert found["4c5d6e7f-8091-4a2b-b3c4-d5e6f7a8b9c0#jwt"]["lifetime_s"] == 7200
    [fetched] = rows(ctx, "%fetch_jwt.json").values()
    assert (fetched["principal"], fetched["lifetime_s"], fetched["kind"]) == (github, 300, "jwt_svid")
    assert fetched["credential_id"].startswith("hmac:")
    claims = found["svid-jti-0001"]
    assert claims["principal"].endswith("/ledger-agent") and claims["expires_at"] == ts("2025-08-21T13:55:55")
    assert quarantined(ctx) == []


def test_oauth_token_responses(ctx: LoadContext) -> None:
    load(ctx, "oauth")
    found = list(rows(ctx, "%token_responses.jsonl").values())
    access, refresh, exchanged = found
    assert (access["kind"], access["principal"], access["source_line"]) == ("oauth_access", "mcp-notes-agent", 1)
    # expires_in as a string; issued_at from the documented observed_at wrapper field.
    assert access["issued_at"] == ts("2026-08-21T12:00:00") and access["lifetime_s"] == 3600
    assert access["expires_at"] == ts("2026-08-21T13:00:00") and access["scopes"] == ["notes:read", "notes:write"]
    assert (refresh["kind"], refresh["expires_at"], refresh["principal"]) == ("oauth_refresh", None, "mcp-notes-agent")
    assert access["credential_id"].startswith("hmac:") and refresh["credential_id"] != access["credential_id"]
    # A JWT access token is decoded: jti, the act chain (outermost first) and the current actor.
    assert exchanged["credential_id"] == "5c1d0e8a-7b2f-4a3c-9d1e-2f4a6b8c0d12" and exchanged["source_line"] == 2
    assert exchanged["actor_chain"] == ["spiffe://acme.prod/ns/agents/sa/triage-agent",
                                        "https://chat.acme.example/clients/web"]
    assert exchanged["principal"] == "spiffe://acme.prod/ns/agents/sa/triage-agent" and exchanged["lifetime_s"] == 900
    # The broken line and a bare response that names no holder are quarantined; the rest loads.
    assert [(line, reason.split(":")[0]) for _, line, reason in quarantined(ctx, "token_responses")] == [
        (3, "invalid JSON line"), (4, "names no holder")]


def test_oauth_access_token_claims(ctx: LoadContext) -> None:
    load(ctx, "oauth")
    found = list(rows(ctx, "%access_token_claims.json").values())
    delegated, app_only = found
    assert delegated["actor_chain"][0] == delegated["principal"] and delegated["source_line"] == 2
    assert delegated["scopes"] == ["tickets:read", "tickets:comment"]
    assert (app_only["principal"], app_only["scopes"], app_only["lifetime_s"]) == (
        "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", ["Ledger.Read", "Ledger.Write"], 86400)  # Entra v2: azp, roles
    assert app_only["credential_id"].startswith("hmac:")  # no jti
    assert quarantined(ctx, "access_token_claims") == [
        ("credentials/oauth/access_token_claims.json", 34, "unparseable timestamp in `exp`")]


def test_generic_csv(ctx: LoadContext) -> None:
    load(ctx, "generic")
    found = rows(ctx)
    notion = found["notion-key-7"]
    assert (notion["kind"], notion["expires_at"], notion["lifetime_s"], notion["source_line"]) == (
        "static_key", None, None, 2)
    assert notion["scopes"] == ["read_content", "insert_content"] and notion["revoked"] is False
    linear = found["linear-oauth-3"]
    assert linear["issued_at"] == ts("2026-08-20T07:00:00"), "+02:00 converted to UTC"
    assert linear["lifetime_s"] == 3600 and linear["revoked"] is None
    assert found["jira-pat-9"]["scopes"] == ["read:jira-work", "write:jira-work"] and found["jira-pat-9"]["revoked"]
    assert quarantined(ctx) == [
        ("credentials/generic/saas_tokens.csv", 4, "unknown `kind` value (not one of the documented kinds)"),
        ("credentials/generic/saas_tokens.csv", 5, "unparseable timestamp in `issued_at`"),
    ]


# Bad input ----------------------------------------------------------------------------------------


def test_bad_files_are_quarantined_with_file_line_and_reason_while_the_rest_loads(ctx: LoadContext) -> None:
    load(ctx, "broken")
    assert sorted(quarantined(ctx)) == [
        ("credentials/broken/empty.json", None, "empty file"),
        ("credentials/broken/entra_federated_only.json", 4,
         "federated credential without its application: export it with `$expand`"),
        ("credentials/broken/gcp_keys_truncated.json", 16, "invalid JSON: Unterminated string starting at (column 20)"),
        ("credentials/broken/iam_report_malformed.csv", 3, "malformed CSV row: missing columns"),
        ("credentials/broken/iam_report_malformed.csv", 4, "unparseable timestamp in `access_key_1_last_rotated`"),
        ("credentials/broken/notes.txt", None, "unrecognised credentials format (no parser claims this content)"),
        ("credentials/broken/vault_lookup_truncated.json.gz", None,
         "cannot read file: EOFError (the file is cut short)"),
    ]
    # The malformed and bad-date rows do not stop the report: the rows around them load with their
    # own line numbers (a blank line 5 counts).
    assert [r["source_line"] for r in rows(ctx).values()] == [2, 6]
    assert loaded(ctx)["credentials/broken/iam_report_malformed.csv"] == ("aws_iam_report", 2, 2)


def test_csv_temporary_and_reject_tables_are_dropped(ctx: LoadContext) -> None:
    load(ctx, "broken")
    assert ctx.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_cred%'").fetchone() == (0,)


def test_quoted_line_break_leaves_csv_lines_unknown_rather_than_wrong(ctx: LoadContext, tmp_path: Path) -> None:
    (tmp_path / "keys.csv").write_text('credential_id,kind,principal,scopes\nk1,pat,bot,"a\nb"\nk2,pat,bot,c\n')
    load(ctx, tmp_path)
    assert [(r["credential_id"], r["source_line"]) for r in rows(ctx).values()] == [("k1", None), ("k2", None)]


def test_a_gzip_csv_that_is_truncated_is_quarantined(ctx: LoadContext, tmp_path: Path) -> None:
    data = gzip.compress((CREDENTIALS / "generic" / "saas_tokens.csv").read_bytes())
    (tmp_path / "tokens.csv.gz").write_bytes(data[: len(data) // 2])
    load(ctx, tmp_path)
    [(_, line, reason)] = quarantined(ctx)
    assert line is None and reason.startswith("cannot read file: EOFError")


def test_no_secret_from_the_fixtures_is_stored_or_quoted(ctx: LoadContext) -> None:
    load(ctx, CREDENTIALS)
    stored = " ".join(str(v) for row in ctx.con.execute("SELECT * FROM credentials").fetchall() for v in row)
    reasons = " ".join(reason for *_, reason in ctx.quarantined)
    fixture_text = " ".join(_readable(p) for p in CREDENTIALS.rglob("*") if p.is_file())
    for secret in SECRETS:
        assert secret in fixture_text, f"{secret} is not planted in any fixture"
        assert secret not in stored and secret not in reasons, f"{secret} leaked"


def _readable(path: Path) -> str:
    try:
        return read_text(path)
    except BadRecord:  # the truncated gzip
        return ""


# Shared parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("2018-05-19T11:35:54.466476215-04:00", "2018-05-19T15:35:54.466476"),  # Vault: nanoseconds, local offset
    ("2024-11-04T16:20:01+00:00", "2024-11-04T16:20:01"),
    ("2026-01-01", "2026-01-01T00:00:00"),
    (1755780955, "2025-08-21T12:55:55"),
    ("1755780955", "2025-08-21T12:55:55"),  # protojson int64
])
def test_timestamps_become_naive_utc(value: Any, expected: str) -> None:
    assert timestamp(value, "t") == ts(expected)


@pytest.mark.parametrize("value", ["next tuesday", True, "2026-02-30", {"seconds": 1}])
def test_unparseable_timestamps_name_the_field(value: Any) -> None:
    with pytest.raises(BadRecord, match="unparseable timestamp in `expires`"):
        timestamp(value, "expires")


def test_json_lines_and_truncated_json_are_told_apart(ctx: LoadContext, tmp_path: Path) -> None:
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"a": 1}\n\n{"b": 2}\n')
    assert [(d.first_line, d.value) for d in json_documents(ctx, jsonl)] == [(1, {"a": 1}), (3, {"b": 2})]
    truncated = tmp_path / "b.json"
    truncated.write_text('{\n  "keys": [\n    {"name": "x"}\n')
    with pytest.raises(BadRecord) as error:
        list(json_documents(ctx, truncated))
    assert error.value.line == 4 and error.value.reason.startswith("invalid JSON")


# Real-world CLI and API output (tests/fixtures/realworld/credentials, sources in its SOURCES.md) ---------

REALWORLD = FIXTURES / "realworld" / "credentials"


@pytest.fixture
def realworld(ctx: LoadContext, tmp_path: Path) -> LoadContext:
    corpus = tmp_path / "credentials"
    shutil.copytree(REALWORLD, corpus, ignore=shutil.ignore_patterns("SOURCES.md"))  # the corpus's own notes
    ctx.estate_root = corpus
    load(ctx, corpus)
    return ctx


def test_every_realworld_export_loads_without_quarantine(realworld: LoadContext) -> None:
    assert realworld.quarantined == []
    assert {fmt for _, fmt, *_ in [(s, f) for s, _, f, *_ in realworld.sources]} >= {
        "k8s_token", "az_app_credentials", "aws_iam_report", "gcp_sa_keys", "spiffe_svid"}
    assert all(loaded > 0 for _, _, _, loaded, *_ in realworld.sources)


def test_kubectl_token_request_lifetime_from_the_token_or_the_granted_seconds(realworld: LoadContext) -> None:
    found = rows(realworld, "k8s/%")
    decoded = found["6f2c1b9e-7d4a-4e5f-8a3b-2c1d0e9f8a7b"]  # the token's jti
    assert (decoded["kind"], decoded["principal"]) == ("projected_token", "system:serviceaccount:agents:mcp-github")
    assert (decoded["issued_at"], decoded["expires_at"], decoded["lifetime_s"]) == (
        ts("2026-11-18T09:00:00"), ts("2026-11-18T10:00:00"), 3600)
    [opaque] = [r for r in found.values() if r["principal"] == "system:serviceaccount:agents:mcp-jira"]
    assert (opaque["issued_at"], opaque["expires_at"], opaque["lifetime_s"]) == (None, ts("2026-11-18T09:10:00"), 600)


def test_kubectl_token_bytes_are_never_stored(realworld: LoadContext) -> None:
    stored = " ".join(str(v) for row in realworld.con.execute("SELECT * FROM credentials").fetchall() for v in row)
    for name in ("kubectl-create-token.json", "kubectl-create-token-opaque.json"):
        token = json.loads((REALWORLD / "k8s" / name).read_text())["status"]["token"]
        assert token
        for piece in token.split("."):
            assert piece[-24:] not in stored
    assert "FAKE-opaque-token" not in stored


def test_az_ad_app_credential_list_with_and_without_cert(realworld: LoadContext) -> None:
    app = "6a1e4f3b-0d2c-4d8e-9f1a-2b3c4d5e6f70"
    secrets = rows(realworld, "%.credentials.json")
    certs = rows(realworld, "%.certificates.json")
    assert {r["kind"] for r in secrets.values()} == {"password"} and {r["kind"] for r in certs.values()} == {
        "certificate"}
    assert all(r["principal"] == app for r in (*secrets.values(), *certs.values()))  # the file name names the app
    assert secrets["c4d0e3f2-5a6b-4c7d-9e8f-0a1b2c3d4e5f"]["lifetime_s"] == 30 * 86400
    assert certs["1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b"]["expires_at"] == ts("2026-12-31T23:59:59")


def test_older_iam_credential_report_without_last_used_columns(realworld: LoadContext) -> None:
    found = rows(realworld, "aws/%")
    key = found["arn:aws:iam::111122223333:user/agents/mcp-gateway#access_key_1"]
    assert (key["kind"], key["last_rotated_at"], key["last_used_at"]) == ("static_key", ts("2014-07-04T16:20:01"), None)
    password = found["arn:aws:iam::111122223333:user/ops-admin#password"]
    assert (password["expires_at"], password["last_used_at"]) == (ts("2014-08-01T09:05:00"), None)


def test_gcp_keys_google_reports_exposed(realworld: LoadContext) -> None:
    found = rows(realworld, "gcp/%")
    assert found["90c48f61c65cd56224a12ab18e6ee9ca9c3aee7c"]["exposed"] is True  # disableReason EXPOSED
    assert found["a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"]["exposed"] is True  # extendedStatus KEY_EXPOSED
    assert found["b2c3d4e5f60718293a4b5c6d7e8f901234567890"]["exposed"] is False  # disabled by its user
    assert found["b2c3d4e5f60718293a4b5c6d7e8f901234567890"]["active"] is False


def test_spire_entry_expiry_is_the_registration_lapse(realworld: LoadContext) -> None:
    found = rows(realworld, "spiffe/%")
    assert found["2d3e4f50-6172-4839-a4b5-c6d7e8f90a1b#x509"]["registration_expires_at"] is None  # 0 = never
    lapsed = found["3e4f5061-7283-4a4b-b5c6-d7e8f90a1b2c#jwt"]
    assert (lapsed["registration_expires_at"], lapsed["lifetime_s"]) == (ts("2026-09-21T14:13:20"), 300)


# What the checks make of them (the base estate of tests/test_checks.py: tier 3, agent shop-agent) ----------


def check(tmp_path: Path, check_id: str, credential: dict[str, Any], system: dict[str, Any] | None = None) -> str:
    from test_checks import build_estate, status

    case: dict[str, Any] = {"rows": {"credentials": [credential]}, "system": system or {}}
    return status(build_estate(tmp_path, case), check_id)[0]


GCP_KEY = {"credential_id": "k1", "source_format": "gcp_sa_keys", "kind": "static_key",
           "principal": "spiffe://shop.example/shop-agent", "last_rotated_at": "2026-11-01 00:00:00",
           "issued_at": "2026-11-01 00:00:00", "lifetime_s": None}


@pytest.mark.parametrize("tier", [4, 3, 1])
def test_an_exposed_gcp_key_fails_id02_at_every_tier(tmp_path: Path, tier: int) -> None:
    assert check(tmp_path, "ID-02", {**GCP_KEY, "exposed": True}, {"tier": tier,
                                                                  "tier_reason": "test"}) == "FAIL"


def test_an_unexposed_gcp_key_passes_id02_where_the_tier_allows_static_keys(tmp_path: Path) -> None:
    assert check(tmp_path, "ID-02", {**GCP_KEY, "exposed": False}, {"tier": 4,
                                                                   "tier_reason": "test"}) == "PASS"


@pytest.mark.parametrize(("lapses", "expected"), [("2026-09-21 14:13:20", "UNKNOWN"), ("2027-01-01 00:00:00", "PASS"),
                                                  (None, "PASS")])
def test_a_lapsed_spire_registration_gives_no_live_identity(tmp_path: Path, lapses: str | None, expected: str) -> None:
    # the base estate's only credential is the agent's SVID: without it ID-02 has nothing to judge (UNKNOWN)
    assert check(tmp_path, "ID-02", {"registration_expires_at": lapses}) == expected
