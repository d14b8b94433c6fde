"""Plant literal secrets of every class in every client format, run the product, find none of their bytes.

The estate is generated here: one system per client format (each config carries secrets of several
classes), secrets in audit events (ToolHive `target.resource`), in a folder and a file name, and in a
CSV credential's `kind` column; plus a system whose configs hold only references and one that holds
only placeholders. Then `mcp-clearance run`, `validate`, `report` (every format) and `check` run as
subprocesses, and the database file, its tables, every output and the dashboard's rendered pages are
searched for each secret. ID-04 must fail every system that holds one and pass the other two.
"""

from __future__ import annotations

import base64
import json
import os
import random
import string
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from mcp_clearance.dashboard import data
from mcp_clearance.report import REPORT_FORMATS

AS_OF = "2026-11-20"
CLIENTS = ("claude_desktop", "claude_code", "cursor", "windsurf", "cline", "gemini_cli", "zed", "vscode", "codex",
           "continue")
CLEAN_SYSTEMS = ("sys-references", "sys-placeholders")
TIMEOUT = 120
_ALNUM = string.ascii_letters + string.digits


@dataclass
class Planted:
    """The estate's secrets, by the class they stand for, and where each was put."""

    rng: random.Random = field(default_factory=lambda: random.Random(20261201))
    secrets: dict[str, str] = field(default_factory=dict)  # label -> secret
    system_of: dict[str, str] = field(default_factory=dict)  # label -> system whose configs hold it

    def pick(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def add(self, label: str, secret: str, system: str | None = None) -> str:
        assert label not in self.secrets and secret not in self.secrets.values()
        self.secrets[label] = secret
        if system:
            self.system_of[label] = system
        return secret


def _pem(planted: Planted, kind: str) -> tuple[str, str]:
    """A fake private-key block and its first body line (bytes that must never be stored)."""
    lines = [planted.pick(_ALNUM + "+/", 64) for _ in range(4)]
    return f"-----BEGIN {kind}PRIVATE KEY-----\n" + "\n".join(lines) + f"\n-----END {kind}PRIVATE KEY-----\n", lines[0]


def _jwt(planted: Planted) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': planted.pick(_ALNUM, 12)})}." \
           f"{planted.pick(_ALNUM + '-_', 43)}"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build_estate(root: Path) -> Planted:
    p = Planted()
    c = root / "connectors"
    s = {client: f"sys-{client.replace('_', '-')}" for client in CLIENTS}

    # claude_desktop: literal default after a reference, docker -e NAME=value, a known prefix under a neutral name
    pw = p.add("reference default", "Dflt" + p.pick(_ALNUM, 14), s["claude_desktop"])
    ghp = p.add("docker -e", "ghp_" + p.pick(_ALNUM, 36), s["claude_desktop"])
    sentry = p.add("sentry token", "sntrys_" + p.pick(_ALNUM, 40), s["claude_desktop"])
    akia = p.add("known prefix, neutral name", "AKIA" + p.pick(string.ascii_uppercase + string.digits, 16),
                 s["claude_desktop"])
    _write(c / "claude_desktop" / "claude_desktop_config.json", json.dumps({"mcpServers": {
        "db": {"command": "npx", "args": ["-y", "@acme/db-mcp@1.0.0"],
               "env": {"DB_URL": "postgres://db.internal/app", "DB_PASSWORD": f"${{DB_PASSWORD:-{pw}}}"}},
        "github": {"command": "docker", "args": ["run", "-i", "--rm", "-e", f"GITHUB_TOKEN={ghp}",
                                                  "ghcr.io/github/github-mcp-server:1.0.0"],
                   "env": {"UPSTREAM_ID": akia}},
        "sentry": {"command": "npx", "args": ["-y", "@sentry/mcp-server@0.1.0"], "env": {"SENTRY_AUTH_TOKEN": sentry}},
    }}, indent=2))

    # claude_code (token in a folder name too): ?client_secret=, a vendor -Sig header, glpat under a neutral name
    folder_token = p.add("folder name", "ghp_" + p.pick(_ALNUM, 36), s["claude_code"])
    client_secret = p.add("query client_secret", p.pick(_ALNUM, 24), s["claude_code"])
    sig = p.add("vendor -Sig header", p.pick(_ALNUM, 20), s["claude_code"])
    proxy = p.add("Token scheme", "Px" + p.pick(_ALNUM, 26), s["claude_code"])
    glpat = p.add("gitlab token", "glpat-" + p.pick(_ALNUM, 20), s["claude_code"])
    _write(c / "claude_code" / folder_token / ".mcp.json", json.dumps({"mcpServers": {
        "oauth-app": {"type": "http", "url": f"https://idp.example.com/mcp?client_id=app&client_secret={client_secret}",
                      "headers": {"X-Acme-Sig": sig, "Proxy-Authorization": f"Token {proxy}"}},
        "gitlab": {"type": "stdio", "command": "npx", "args": ["-y", "@acme/gitlab-mcp@2.0.0"],
                   "env": {"GITLAB_ENDPOINT_VALUE": glpat}},
    }}, indent=2))

    # cursor: ${API_KEY}literal, ?access-token=, a fine-grained PAT
    suffix = p.add("literal after reference", "Sfx" + p.pick(_ALNUM, 15), s["cursor"])
    access = p.add("query access-token", p.pick(_ALNUM, 28), s["cursor"])
    mysql_root = p.add("userinfo in env", "Mr" + p.pick(_ALNUM, 14), s["cursor"])
    pat = p.add("github_pat", "github_pat_11" + p.pick(_ALNUM, 20) + "_" + p.pick(_ALNUM, 59), s["cursor"])
    _write(c / "cursor" / ".cursor" / "mcp.json", json.dumps({"mcpServers": {
        "search": {"command": "npx", "args": ["-y", "@acme/search-mcp@1.2.0"],
                   "env": {"SEARCH_API_KEY": f"${{API_KEY}}{suffix}", "GH": pat,
                           "DATABASE_URL": f"mysql://root:{mysql_root}@localhost/app"}},
        "remote": {"url": f"https://mcp.example.net/sse?access-token={access}"},
    }}, indent=2))

    # windsurf: Bearer ${T:-literal}, a token as a path segment, a JWT
    bearer_default = p.add("bearer default", "Bdf" + p.pick(_ALNUM, 21), s["windsurf"])
    path_token = p.add("path segment", p.pick(_ALNUM, 32), s["windsurf"])
    jwt = p.add("jwt", _jwt(p), s["windsurf"])
    cookie = p.add("cookie", "Ck" + p.pick(_ALNUM, 30), s["windsurf"])
    _write(c / "windsurf" / ".codeium" / "windsurf" / "mcp_config.json", json.dumps({"mcpServers": {
        "hooks": {"serverUrl": f"https://hooks.example.org/services/{path_token}/mcp",
                  "headers": {"Authorization": f"Bearer ${{HOOK_TOKEN:-{bearer_default}}}"}},
        "docs": {"serverUrl": "https://docs.example.org/mcp", "headers": {"Authorization": f"Bearer {jwt}",
                                                                          "Cookie": f"session={cookie}"}},
    }}, indent=2))

    # cline: PGPASSWORD, docker --env=NAME=value, userinfo in a URL arg
    pg = p.add("PGPASSWORD", "Pg" + p.pick(_ALNUM, 14), s["cline"])
    xoxb = p.add("docker --env=", f"xoxb-{p.pick(string.digits, 12)}-{p.pick(string.digits, 13)}-{p.pick(_ALNUM, 24)}",
                 s["cline"])
    pplx = p.add("perplexity key", "pplx-" + p.pick(_ALNUM, 48), s["cline"])
    userinfo = p.add("url userinfo", "Ui" + p.pick(_ALNUM, 14), s["cline"])
    _write(c / "cline" / "cline_mcp_settings.json", json.dumps({"mcpServers": {
        "postgres": {"command": "npx", "args": ["-y", "@acme/pg-mcp@1.0.0", f"postgresql://app:{userinfo}@db/app"],
                     "env": {"PGPASSWORD": pg, "SEARCH_BACKEND": pplx}, "autoApprove": [], "disabled": False},
        "slack": {"command": "docker", "args": ["run", "-i", f"--env=SLACK_BOT_TOKEN={xoxb}", "acme/slack-mcp:1.0.0"],
                  "disabled": False},
    }}, indent=2))

    # gemini_cli: SMTP_PASS, --header "Authorization: Bearer ...", hf_ under a neutral name
    smtp = p.add("SMTP_PASS", "Sm" + p.pick(_ALNUM, 14), s["gemini_cli"])
    header_arg = p.add("--header arg", "Ha" + p.pick(_ALNUM, 22), s["gemini_cli"])
    path_ghp = p.add("known prefix path segment", "ghp_" + p.pick(_ALNUM, 36), s["gemini_cli"])
    hf = p.add("huggingface", "hf_" + p.pick(string.ascii_letters, 34), s["gemini_cli"])
    _write(c / "gemini_cli" / ".gemini" / "settings.json", json.dumps({"mcpServers": {
        "mail": {"command": "uvx", "args": ["acme-mail-mcp==1.0.0", "--header", f"Authorization: Bearer {header_arg}"],
                 "env": {"SMTP_PASS": smtp, "MODEL_REF": hf}, "trust": False},
        "remote": {"httpUrl": f"https://mcp.example.io/t/{path_ghp}/mcp"},
    }}, indent=2))

    # zed: MYSQL_PWD, --token=..., an OpenSSH private key
    mysql = p.add("MYSQL_PWD", "My" + p.pick(_ALNUM, 14), s["zed"])
    redis = p.add("userinfo without user", "Rd" + p.pick(_ALNUM, 14), s["zed"])
    flag = p.add("--token=", "Tk" + p.pick(_ALNUM, 22), s["zed"])
    openssh, openssh_body = _pem(p, "OPENSSH ")
    p.add("openssh key", openssh_body, s["zed"])
    _write(c / "zed" / ".config" / "zed" / "settings.json", json.dumps({"context_servers": {
        "mysql": {"source": "custom", "command": "npx", "args": ["-y", "@acme/mysql-mcp@1.0.0", f"--token={flag}"],
                  "env": {"MYSQL_PWD": mysql, "DEPLOY_IDENTITY": openssh, "CACHE": f"redis://:{redis}@cache:6379"}},
    }}, indent=2))

    # vscode: X-Hub-Signature, an Anthropic key under a neutral header, a Google key under a neutral env name
    hub = p.add("X-Hub-Signature", "sha256=" + p.pick("0123456789abcdef", 64), s["vscode"])
    ant = p.add("anthropic under neutral header", "sk-ant-api03-" + p.pick(_ALNUM + "-_", 93), s["vscode"])
    consumer = p.add("camelCase name", "Cs" + p.pick(_ALNUM, 18), s["vscode"])
    aiza = p.add("google api key", "AIza" + p.pick(_ALNUM + "-_", 35), s["vscode"])
    _write(c / "vscode" / ".vscode" / "mcp.json", json.dumps({"servers": {
        "hooks": {"type": "http", "url": "https://hooks.example.com/mcp",
                  "headers": {"X-Hub-Signature": hub, "X-Upstream": ant}},
        "maps": {"type": "stdio", "command": "npx", "args": ["-y", "@acme/maps-mcp@1.0.0"],
                 "env": {"MAPS_REF": aiza, "consumerSecret": consumer}},
    }}, indent=2))

    # codex: X-Signature, a base64-wrapped PEM key, a Stripe live key under a neutral name
    xsig = p.add("X-Signature", p.pick(_ALNUM, 32), s["codex"])
    pem, _ = _pem(p, "RSA ")
    wrapped = p.add("base64 wrapper", base64.b64encode(pem.encode()).decode(), s["codex"])
    passwd = p.add("DB_PASSWD", "Pw" + p.pick(_ALNUM, 14), s["codex"])
    stripe = p.add("stripe live key", "sk_live_" + p.pick(_ALNUM, 24), s["codex"])
    _write(c / "codex" / ".codex" / "config.toml", f"""model = "gpt-5-codex"

[mcp_servers.billing]
url = "https://billing.example.com/mcp"
http_headers = {{ "X-Signature" = "{xsig}" }}

[mcp_servers.signer]
command = "npx"
args = ["-y", "@acme/signer-mcp@1.0.0"]

[mcp_servers.signer.env]
SIGNING_MATERIAL = "{wrapped}"
UPSTREAM = "{stripe}"
DB_PASSWD = "{passwd}"
""")

    # continue: a JSON blob in an env value, a PEM key in a YAML block scalar, an npm token under a neutral name
    blob_secret = p.add("json blob", "Jb" + p.pick(_ALNUM, 22), s["continue"])
    block_pem, block_body = _pem(p, "EC ")
    p.add("yaml block pem", block_body, s["continue"])
    webhook = p.add("WEBHOOK_SECRET", "Wh" + p.pick(_ALNUM, 22), s["continue"])
    npm = p.add("npm token", "npm_" + p.pick(_ALNUM, 36), s["continue"])
    blob = json.dumps({"type": "service", "auth": {"client_id": "svc", "password": blob_secret}})
    indented = "\n".join("          " + line for line in block_pem.splitlines())
    _write(c / "continue" / ".continue" / "config.yaml", f"""name: Assistant
version: 1.0.0
schema: v1
mcpServers:
  - name: warehouse
    command: npx
    args: ["-y", "@acme/warehouse-mcp@1.0.0"]
    env:
      SERVICE_CONFIG: '{blob}'
      REGISTRY_VALUE: {npm}
      WEBHOOK_SECRET: {webhook}
      TLS_MATERIAL: |
{indented}
""")

    # only references, nothing attached: ID-04 passes
    _write(c / "references" / ".mcp.json", json.dumps({"mcpServers": {
        "jira": {"type": "http", "url": "https://jira.example.com/mcp",
                 "headers": {"Authorization": "Bearer ${JIRA_TOKEN}", "X-Api-Key": "${env:JIRA_KEY}"}},
        "db": {"type": "stdio", "command": "npx", "args": ["-y", "@acme/db-mcp@1.0.0"],
               "env": {"DB_PASSWORD": "${DB_PASSWORD}", "GITHUB_TOKEN": "${input:gh}"}},
    }}, indent=2))
    # only placeholders: value_kind 'placeholder', ID-04 passes
    _write(c / "placeholders" / ".cursor" / "mcp.json", json.dumps({"mcpServers": {
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],
                   "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "<YOUR_GITHUB_PAT>", "OPENAI_API_KEY": "sk-...",
                           "SLACK_BOT_TOKEN": "xoxb-your-token", "DB_PASSWORD": "changeme"}},
        "remote": {"url": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer YOUR_API_KEY",
                                                                      "X-Api-Key": "{{token}}"}},
    }}, indent=2))

    # audit: userinfo and a query token in ToolHive target URIs
    audit_pw = p.add("audit userinfo", "Au" + p.pick(_ALNUM, 16))
    audit_token = p.add("audit query token", p.pick(_ALNUM, 30))
    events = []
    for i, resource in enumerate((f"postgres://svc_reader:{audit_pw}@db.internal:5432/app",
                                  f"https://api.example.com/v1/items?access_token={audit_token}&page=2",
                                  "https://api.example.com/v1/plain")):
        events.append(json.dumps({
            "time": f"2026-11-19T10:0{i}:00Z", "level": "AUDIT", "msg": "audit_event", "audit_id": f"evt-{i}",
            "type": "mcp_tool_call", "logged_at": f"2026-11-19T10:0{i}:00.000Z", "outcome": "success",
            "component": "db", "subjects": {"user": "dana@acme.example", "client_name": "agent-claude-desktop"},
            "delegation": {"chain": [{"iss": "https://idp.acme.example", "sub": "agent-claude-desktop"}]},
            # ToolHive's target map keys (pkg/audit: type, name, uri, method, endpoint)
            "target": {"endpoint": "/mcp", "method": "tools/call", "type": "tool", "name": "query",
                       "uri": resource},
        }))
    _write(root / "audit" / "toolhive" / "db.audit.jsonl", "\n".join(events) + "\n")

    # credentials: a token in the file name, a secret pasted into the `kind` column
    name_token = p.add("file name", f"xoxp-{p.pick(string.digits, 12)}-{p.pick(string.digits, 12)}-"
                                    f"{p.pick(_ALNUM, 24)}")
    kind_secret = p.add("csv kind column", "Kc" + p.pick(_ALNUM, 22))
    described = p.add("credential description", "ghp_" + p.pick(_ALNUM, 36))
    _write(root / "credentials" / "other" / f"export-{name_token}.csv",
           "credential_id,kind,principal,issued_at,expires_at,last_used_at,last_rotated_at,scopes,description\n"
           f"cred-1,static_key,agent-cursor,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,,,read,replaces {described}\n"
           f"cred-2,{kind_secret},agent-cursor,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,,,read,pasted by mistake\n")

    # a tool listing named after a token (the file stem names the server)
    listing = p.add("tool listing file name", "npm_" + p.pick(_ALNUM, 36))
    _write(root / "tool_listings" / f"{listing}.json", json.dumps({"tools": [{"name": "query"}]}))

    systems = [*s.values(), *CLEAN_SYSTEMS]
    folders = {**{system: client for client, system in s.items()}, "sys-references": "references",
               "sys-placeholders": "placeholders"}
    _write(root / "inventory.yaml", json.dumps({
        "systems": [{"id": system, "name": system, "owner": "dana@acme.example", "team": "platform",
                     "business_unit": "IT", "environment": "production", "data_classes": ["internal"]}
                    for system in systems],
        "agents": [{"id": f"agent-{folders[system]}", "name": system, "owner": "dana@acme.example", "kind": "agent",
                    "identities": [f"agent-{folders[system].replace('_', '-')}"]} for system in systems],
        "connectors": [{"config": f"connectors/{folders[system]}/*", "system": system,
                        "agent": f"agent-{folders[system]}"} for system in systems],
    }, indent=2))
    return p


# -- the run -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("planted")
    estate = root / "estate"
    planted = build_estate(estate)
    db = root / "estate.duckdb"
    # wide output: a table cell wrapped over two lines would hide a printed secret from the byte search
    env = {**os.environ, "MCP_CLEARANCE_KEY_FILE": str(root / "fingerprint.key"), "COLUMNS": "4000"}

    def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "mcp_clearance.cli", *args], capture_output=True, env=env,
                              timeout=600)

    outputs: dict[str, bytes] = {}
    runs = {"run": cli("run", str(estate), "--db", str(db), "--as-of", AS_OF), "validate": cli("validate", str(estate))}
    for fmt in REPORT_FORMATS:
        runs[f"report {fmt}"] = cli("report", "--db", str(db), "--format", fmt)
    for system in planted.system_of.values():
        runs[f"check {system}"] = cli("check", system, "--require", "read-only", "--db", str(db))
    for name, proc in runs.items():
        outputs[name] = proc.stdout + proc.stderr
    return {"estate": estate, "db": db, "planted": planted, "runs": runs, "outputs": outputs}


def _leaks(secrets: dict[str, str], outputs: dict[str, bytes]) -> list[tuple[str, str]]:
    return [(where, label) for where, blob in outputs.items() for label, secret in secrets.items()
            if secret.encode() in blob]


def test_at_least_forty_secrets_were_planted_and_really_are_in_the_estate(planted_run: dict[str, Any]) -> None:
    planted: Planted = planted_run["planted"]
    estate: Path = planted_run["estate"]
    corpus = b"\n".join([p.read_bytes() for p in estate.rglob("*") if p.is_file()]
                        + [str(p.relative_to(estate)).encode() for p in estate.rglob("*")])
    assert len(planted.secrets) >= 40
    assert [label for label, secret in planted.secrets.items() if secret.encode() not in corpus] == []


def test_the_commands_ran(planted_run: dict[str, Any]) -> None:
    runs = planted_run["runs"]
    # run and validate set the CSV row aside (exit 1); reports always work; check fails the leaky systems
    assert runs["run"].returncode == 1, runs["run"].stderr
    assert runs["validate"].returncode == 1, runs["validate"].stderr
    assert all(runs[f"report {fmt}"].returncode == 0 for fmt in REPORT_FORMATS)
    assert {name: proc.returncode for name, proc in runs.items() if name.startswith("check ")} == {
        name: 1 for name in runs if name.startswith("check ")}
    assert b"Traceback" not in b"".join(planted_run["outputs"].values())


def test_no_secret_in_any_output_or_report(planted_run: dict[str, Any]) -> None:
    assert _leaks(planted_run["planted"].secrets, planted_run["outputs"]) == []


def test_no_secret_in_the_database_file_or_its_tables(planted_run: dict[str, Any], tmp_path: Path) -> None:
    db: Path = planted_run["db"]
    checkpointed = tmp_path / "copy.duckdb"
    checkpointed.write_bytes(db.read_bytes())
    with duckdb.connect(str(checkpointed)) as con:
        con.execute("CHECKPOINT")
    blobs = {"database file": db.read_bytes(), "database after CHECKPOINT": checkpointed.read_bytes()}
    blobs |= {wal.name: wal.read_bytes() for wal in db.parent.glob("*.wal")}
    # DuckDB compresses strings on disk, so the raw bytes alone could hide a stored secret: read every table too
    with duckdb.connect(str(db), read_only=True) as con:
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            blobs[f"table {table}"] = repr(con.execute(f'SELECT * FROM "{table}"').fetchall()).encode()
    assert _leaks(planted_run["planted"].secrets, blobs) == []


def test_redacted_forms_and_fingerprints_were_stored_instead(planted_run: dict[str, Any]) -> None:
    with duckdb.connect(str(planted_run["db"]), read_only=True) as con:
        audit = [r[0] for r in con.execute("SELECT target_resource FROM tool_calls ORDER BY event_id").fetchall()]
        quarantine = con.execute("SELECT source_file, line, reason FROM quarantine").fetchall()
        sources = [r[0] for r in con.execute("SELECT source_file FROM sources").fetchall()]
    assert audit[0].startswith("postgres://svc_reader:****[url_password, 18 chars]@db.internal")
    assert "access_token=****[url_token, 30 chars]&page=2" in audit[1] and audit[2].endswith("/v1/plain")
    assert [(line, reason) for _, line, reason in quarantine] == [
        (3, "unknown `kind` value (not one of the documented kinds)")]
    assert quarantine[0][0].startswith("credentials/other/export-xoxp-****[slack_token")
    assert any(path.startswith("connectors/claude_code/ghp_****[github_token, 40 chars]/") for path in sources)


def test_id04_fails_every_system_with_a_secret_and_passes_references_and_placeholders(
        planted_run: dict[str, Any]) -> None:
    planted: Planted = planted_run["planted"]
    with duckdb.connect(str(planted_run["db"]), read_only=True) as con:
        status = dict(con.execute("SELECT system_id, CASE WHEN bool_or(status = 'FAIL') THEN 'FAIL' ELSE "
                                  "min(status) END FROM check_results WHERE check_id = 'ID-04' GROUP BY 1").fetchall())
        kinds = con.execute("""
            SELECT v.key, v.value_kind, v.is_secret FROM connector_values AS v JOIN system_connectors AS s
            USING (connector_id) WHERE s.system_id = 'sys-placeholders' AND v.field IN ('env', 'header')
            ORDER BY 1""").fetchall()
        reason = con.execute("SELECT string_agg(reason, ' ') FROM check_results WHERE check_id = 'ID-04' "
                             "AND system_id = 'sys-placeholders'").fetchone()[0]
    affected = set(planted.system_of.values())
    assert affected == {f"sys-{client.replace('_', '-')}" for client in CLIENTS}
    assert {system: status.get(system) for system in affected} == dict.fromkeys(affected, "FAIL")
    assert {system: status.get(system) for system in CLEAN_SYSTEMS} == dict.fromkeys(CLEAN_SYSTEMS, "PASS")
    assert kinds == [(k, "placeholder", False) for k in ("Authorization", "DB_PASSWORD", "GITHUB_PERSONAL_ACCESS_TOKEN",
                                                         "OPENAI_API_KEY", "SLACK_BOT_TOKEN", "X-Api-Key")]
    assert "placeholder, server will not authenticate" in reason


def test_every_secret_of_a_system_is_a_finding_of_that_system(planted_run: dict[str, Any]) -> None:
    """Per system, as many distinct fingerprints as secrets planted in its configs (one value each)."""
    planted: Planted = planted_run["planted"]
    with duckdb.connect(str(planted_run["db"]), read_only=True) as con:
        found = dict(con.execute("""
            SELECT s.system_id, count(DISTINCT v.fingerprint) FROM connector_values AS v
            JOIN system_connectors AS s USING (connector_id) WHERE v.is_secret GROUP BY 1""").fetchall())
    expected: dict[str, int] = {}
    for label, system in planted.system_of.items():
        if label != "folder name":  # a path, not a config value
            expected[system] = expected.get(system, 0) + 1
    assert found == expected


# -- the dashboard -----------------------------------------------------------------------------------------------


def _page(module: str) -> AppTest:
    return AppTest.from_string(f"from mcp_clearance.dashboard import {module}\n{module}.render()\n",
                               default_timeout=TIMEOUT)


def _shown(at: AppTest) -> str:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [d.value.to_csv() for d in at.dataframe] + [str(m.value) for m in at.metric]
    return "\n".join(str(p) for p in parts)


def test_dashboard_pages_show_no_secret(planted_run: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    planted: Planted = planted_run["planted"]
    monkeypatch.setenv(data.DB_ENV, str(planted_run["db"]))
    explorer = _page("explorer")
    explorer.query_params["check_id"] = "ID-04"
    texts = {"explorer": _shown(explorer), "data": _shown(_page("data_page"))}
    for system in sorted(set(planted.system_of.values())):
        at = _page("system")
        at.query_params["system"] = system
        texts[f"system {system}"] = _shown(at)
    everything = "\n".join(texts.values())
    assert "****[" in everything and "hmac:" in everything  # the redacted forms are shown ...
    assert _leaks(planted.secrets, {k: v.encode() for k, v in texts.items()}) == []  # ... the secrets are not
