"""Connector configs of every supported client, and tool listings, into the evidence tables.

Fixtures under tests/fixtures/connectors/ are real client formats; some carry FAKE literal secrets
in real token shapes, which must never reach a stored column.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from pathlib import Path
from typing import Any

import json5
import pytest

from mcp_clearance.pipelines import connectors, tool_listings
from mcp_clearance.pipelines.base import SNIFF_BYTES, BadRecord, LoadContext, discover_formats, load_family
from mcp_clearance.pipelines.connectors._common import (
    detect_client,
    identify,
    normalise_transport,
    parse,
    parse_relaxed,
)
from mcp_clearance.pipelines.connectors._launchers import launched_package

FIXTURES = Path(__file__).parent / "fixtures"
CONNECTORS = FIXTURES / "connectors"
CLIENTS = {"claude_desktop", "claude_code", "cursor", "vscode", "windsurf", "cline", "continue", "zed", "gemini_cli",
           "codex"}

GHP = "ghp_FAKEa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7"
PG_PASSWORD = "S3cr3tFAKEpassw0rd"
# A distinctive piece of every FAKE literal secret planted in the fixtures (none may be stored).
SECRET_CORES = [
    "a1b2c3d4e5f6g7h8i9j0", "FakeFineGrainedTokenValue", "FAKEslackBOTtoken", "IOSFODNN7EXAMPLE",
    "bPxRfiCYEXAMPLEKEY", "FAKEnotionTOKEN", "BSAFAKEbraveKEY", PG_PASSWORD, "FAKEhistoryKEY",
    "FAKEwindsurfBEARER", "FAKEtokenVALUE", "FAKEclineAPIkey", "eyJzdWIiOiJkb2NzLWFnZW50", "FAKEsigFAKEsig",
    "FAKEgeminiCLIENTsecret", "FAKEfigmaTOKEN", "FAKEcodexOPENAIkey", "FAKEtoolDESCkey",
]


def load(ctx: LoadContext, folder: str) -> None:
    load_family(ctx, "connectors", connectors, CONNECTORS / folder)


def servers(ctx: LoadContext, source_like: str = "%") -> dict[str, dict[str, Any]]:
    """connector_servers rows of matching files, by server name (scope-qualified when it repeats)."""
    cursor = ctx.con.execute("SELECT * FROM connector_servers WHERE source_file LIKE ? ORDER BY source_line, "
                             "server_name, config_scope", [source_like])
    names = [d[0] for d in cursor.description]
    rows: dict[str, dict[str, Any]] = {}
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        key = row["server_name"] if row["server_name"] not in rows else f"{row['config_scope']}:{row['server_name']}"
        rows[key] = row
    return rows


def values(ctx: LoadContext, row: dict[str, Any], field: str | None = None) -> dict[str | None, dict[str, Any]]:
    """connector_values of one server, by key (one field at a time when keys repeat)."""
    cursor = ctx.con.execute("SELECT * FROM connector_values WHERE connector_id = ? AND (? IS NULL OR field = ?)",
                             [row["connector_id"], field, field])
    names = [d[0] for d in cursor.description]
    return {r[names.index("key")]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}


def formats(ctx: LoadContext) -> dict[str, str | None]:
    return {source: fmt for source, family, fmt, *_ in ctx.sources if family == "connectors"}


# Plugin contract and detection ------------------------------------------------------------------


def test_every_client_has_one_module_in_priority_order() -> None:
    modules = discover_formats(connectors)
    assert {m.FORMAT for m in modules} == CLIENTS
    assert [m.PRIORITY for m in modules] == sorted(m.PRIORITY for m in modules)
    for module in modules:
        assert callable(module.detect) and callable(module.load) and callable(module.content_signals)
        assert module.SYNTAXES and module.PATHS


@pytest.mark.parametrize(("relative", "client"), [
    ("unlabelled/a/mcp.json", "windsurf"),         # serverUrl
    ("unlabelled/b/mcp.json", "vscode"),           # servers
    ("unlabelled/c/settings.json", "zed"),         # context_servers
    ("unlabelled/d/settings.json", "gemini_cli"),  # httpUrl
    ("unlabelled/e/settings.json", "cline"),       # autoApprove
    ("unlabelled/f/mcp.json", "cursor"),           # envFile
    ("unlabelled/g/mcp.json", "claude_code"),      # generic mcpServers with type http
    ("unlabelled/h/mcp.json", "claude_desktop"),   # only command/args
    ("unlabelled/i/settings.json", "claude_code"), # projects: the ~/.claude.json shape
    ("unlabelled/j/mcp.yaml", "continue"),         # YAML mcpServers list
    ("unlabelled/k/servers.toml", "codex"),        # [mcp_servers.x]
    ("unlabelled/l/mcp.json", "cursor"),           # ${env:...} fallback
    ("unlabelled/m/mcp.json", "cline"),            # timeout fallback
])
def test_client_is_detected_from_content_when_the_name_says_nothing(ctx: LoadContext, relative: str,
                                                                     client: str) -> None:
    path = CONNECTORS / relative
    claimed = [m.FORMAT for m in discover_formats(connectors) if m.detect(path, path.read_text())]
    assert claimed == [client]
    load(ctx, str(Path(relative).parent))  # one file per folder
    assert formats(ctx) == {f"connectors/{relative}": client}
    assert {row["client"] for row in servers(ctx).values()} == {client}


@pytest.mark.parametrize(("name", "content", "client"), [
    # both content signals present: the lower PRIORITY (Windsurf 20) beats Cline (30)
    ("mcp.json", {"mcpServers": {"x": {"serverUrl": "https://x.example/mcp", "autoApprove": []}}}, "windsurf"),
    # `timeout` is shared by Cline and Gemini: the .gemini folder breaks the tie ...
    (".gemini/settings.json", {"mcpServers": {"x": {"command": "uvx", "timeout": 5}}}, "gemini_cli"),
    # ... and without a telling name the generic shape decides
    ("settings.json", {"mcpServers": {"x": {"command": "uvx", "timeout": 5}}}, "cline"),
    # the same untyped stdio file: named .mcp.json it is Claude Code's, otherwise Desktop's
    (".mcp.json", {"mcpServers": {"x": {"command": "uvx"}}}, "claude_code"),
    ("mcp.json", {"mcpServers": {"x": {"command": "uvx"}}}, "claude_desktop"),
    # content beats a misleading name
    ("claude_desktop_config.json", {"servers": {"x": {"type": "stdio", "command": "uvx"}}}, "vscode"),
    ("zed/settings.json", {"random": 1}, "zed"),
    ("data.json", {"random": 1}, None),
])
def test_ambiguous_files_resolve_to_exactly_one_client(tmp_path: Path, name: str, content: dict[str, Any],
                                                       client: str | None) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content))
    claimed = [m.FORMAT for m in discover_formats(connectors) if m.detect(path, path.read_text())]
    assert claimed == ([client] if client else [])
    assert identify(path, path.read_text()) == client


def test_a_user_file_larger_than_the_sniffed_head_is_still_recognised(ctx: LoadContext, tmp_path: Path) -> None:
    path = tmp_path / "alice-state.json"  # no telling name: only content can say
    history = [{"display": "x" * 200} for _ in range(SNIFF_BYTES // 200 + 10)]
    path.write_text(json.dumps({"history": history, "projects": {"/srv/app": {"mcpServers": {
        "fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}}}}))
    head = path.read_text()[:SNIFF_BYTES]
    assert identify(path, head) == "claude_code"
    load_family(ctx, "connectors", connectors, tmp_path)
    assert servers(ctx)["fetch"]["project_path"] == "/srv/app"


# One test per client -------------------------------------------------------------------------------


def test_claude_desktop(ctx: LoadContext) -> None:
    load(ctx, "claude_desktop")
    rows = servers(ctx)
    assert list(rows) == ["github", "filesystem", "slack", "aws-docs", "weather"]
    assert {(r["client"], r["config_scope"], r["transport"]) for r in rows.values()} == {
        ("claude_desktop", "user", "stdio")}
    assert rows["github"]["source_line"] == 4
    pins = {name: (r["package_name"], r["package_version"], r["package_pinned"]) for name, r in rows.items()}
    assert pins == {
        "github": ("@modelcontextprotocol/server-github", "2025.4.8", True),
        "filesystem": ("@modelcontextprotocol/server-filesystem", None, False),
        "slack": ("@modelcontextprotocol/server-slack", "latest", False),
        "aws-docs": ("awslabs.aws-documentation-mcp-server", "1.1.2", True),
        "weather": (None, None, None),  # a local project run with uv: nothing from a registry
    }
    env = values(ctx, rows["aws-docs"], "env")
    assert rows["aws-docs"]["env_names"] == ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]
    assert (env["AWS_ACCESS_KEY_ID"]["secret_kind"], env["AWS_SECRET_ACCESS_KEY"]["secret_kind"]) == (
        "aws_access_key", "secret_named_key")
    assert not env["AWS_REGION"]["is_secret"] and env["AWS_REGION"]["display_value"] == "eu-west-1"
    token = values(ctx, rows["github"], "env")["GITHUB_PERSONAL_ACCESS_TOKEN"]
    assert token["is_secret"] and token["secret_kind"] == "github_token"
    assert token["display_value"].startswith("ghp_****") and token["fingerprint"] == ctx.scanner.fingerprint(GHP)
    assert values(ctx, rows["slack"], "env")["SLACK_BOT_TOKEN"]["secret_kind"] == "slack_token"


def test_claude_code_project_file(ctx: LoadContext) -> None:
    load_family(ctx, "connectors", connectors, CONNECTORS / "claude_code")
    rows = servers(ctx, "%/.mcp.json")
    assert {n: (r["transport"], r["config_scope"], r["approval_state"]) for n, r in rows.items()} == {
        "jira": ("http", "project", "pending"),
        "notion": ("sse", "project", "pending"),
        "playwright": ("stdio", "project", "pending"),
        "sentry": ("http", "project", "pending"),
    }
    jira = values(ctx, rows["jira"])
    assert (jira[None]["reference_syntax"], jira[None]["reference_target"]) == ("shell_default", "JIRA_MCP_URL")
    auth = jira["Authorization"]
    assert (auth["value_kind"], auth["reference_syntax"], auth["reference_target"]) == ("reference", "shell",
                                                                                        "JIRA_TOKEN")
    assert rows["notion"]["url"] == "https://mcp.notion.example.com/sse?token=****[url_token, 25 chars]"
    assert values(ctx, rows["notion"], "url")[None]["secret_kind"] == "url_token"
    assert (rows["playwright"]["package_name"], rows["playwright"]["package_pinned"]) == ("@playwright/mcp", True)
    assert rows["sentry"]["oauth"] and not rows["jira"]["oauth"]
    assert values(ctx, rows["sentry"], "oauth")["clientId"]["display_value"] == "sentry-claude-code"


def test_claude_code_user_file_scopes_and_approvals(ctx: LoadContext) -> None:
    load(ctx, "claude_code")
    rows = servers(ctx, "%/.claude.json")
    assert {(r["server_name"], r["config_scope"], r["project_path"], r["transport"], r["approval_state"],
             r["enabled"]) for r in rows.values()} == {
        ("context7", "user", None, "http", None, None),
        ("brave-search", "user", None, "stdio", None, None),
        ("pg-prod", "local", "/Users/alice/src/payments-api", "stdio", None, None),
        # project servers approved or disabled in this project; their definitions live in its .mcp.json
        ("jira", "project", "/Users/alice/src/payments-api", "unknown", "approved", True),
        ("playwright", "project", "/Users/alice/src/payments-api", "unknown", "approved", True),
        ("notion", "project", "/Users/alice/src/payments-api", "unknown", "disabled", False),
    }
    assert rows["pg-prod"]["source_line"] == 24 and rows["jira"]["source_line"] == 33
    dsn = values(ctx, rows["pg-prod"], "env")["DATABASE_URI"]
    assert dsn["secret_kind"] == "url_password" and dsn["fingerprint"] == ctx.scanner.fingerprint(PG_PASSWORD)
    brave = rows["brave-search"]
    assert brave["args"][2] == "--brave-api-key=****[secret_named_key, 25 chars]"  # --flag=value is split
    assert values(ctx, brave, "arg")["2"]["secret_kind"] == "secret_named_key"
    assert (brave["package_version"], brave["package_pinned"]) == ("1.3.2", True)
    assert servers(ctx, "%/managed-mcp.json")["company-kb"]["config_scope"] == "managed"
    assert servers(ctx, "%/managed-mcp.json")["company-kb"]["approval_state"] is None


def test_cursor(ctx: LoadContext) -> None:
    load(ctx, "cursor")
    rows = servers(ctx)
    assert {n: (r["client"], r["transport"]) for n, r in rows.items()} == {
        "linear": ("cursor", "http"), "sqlite": ("cursor", "stdio"), "github": ("cursor", "stdio")}
    assert values(ctx, rows["linear"], "header")["Authorization"]["reference_syntax"] == "env"
    sqlite = values(ctx, rows["sqlite"])
    assert sqlite["envFile"]["field"] == "env_file" and sqlite["envFile"]["reference_syntax"] == "predefined"
    assert (rows["sqlite"]["package_name"], rows["sqlite"]["package_pinned"]) == ("mcp-server-sqlite", False)
    github = rows["github"]
    assert github["package_name"] == "ghcr.io/github/github-mcp-server" and github["package_pinned"] is True
    assert github["package_version"].startswith("sha256:")


def test_vscode_jsonc_and_legacy_settings(ctx: LoadContext) -> None:
    load(ctx, "vscode")
    rows = servers(ctx, "%/.vscode/mcp.json")
    assert {n: (r["transport"], r["config_scope"]) for n, r in rows.items()} == {
        "github": ("http", "workspace"), "fetch": ("stdio", "workspace"), "perplexity": ("stdio", "workspace"),
        "azure-search": ("sse", "workspace")}
    auth = values(ctx, rows["github"], "header")["Authorization"]
    assert (auth["reference_syntax"], auth["reference_target"], auth["is_secret"]) == ("input", "gh-pat", False)
    key = values(ctx, rows["perplexity"], "env")["PERPLEXITY_API_KEY"]
    assert (key["value_kind"], key["reference_syntax"]) == ("reference", "input")
    assert values(ctx, rows["azure-search"], "header")["api-key"]["reference_target"] == "AZURE_SEARCH_KEY"
    assert (rows["fetch"]["package_version"], rows["fetch"]["package_pinned"]) == ("2025.4.7", True)
    assert (rows["perplexity"]["package_version"], rows["perplexity"]["package_pinned"]) == ("^0.1.0", False)
    legacy = servers(ctx, "%/User/settings.json")["memory"]
    assert (legacy["client"], legacy["config_scope"], legacy["package_pinned"]) == ("vscode", "user", True)


def test_windsurf(ctx: LoadContext) -> None:
    load(ctx, "windsurf")
    rows = servers(ctx)
    assert {n: r["transport"] for n, r in rows.items()} == {
        "sentry": "http", "stripe": "http", "git": "stdio", "copied-from-cursor": "unknown"}
    assert rows["sentry"]["url"] == "https://mcp.sentry.dev/mcp"
    assert values(ctx, rows["stripe"], "header")["Authorization"]["secret_kind"] == "bearer"
    assert rows["git"]["args"][-2:] == ["--token", "****[secret_named_key, 24 chars]"]  # rated by the flag before
    assert values(ctx, rows["sentry"], "header")["Authorization"]["reference_syntax"] == "env"


def test_cline(ctx: LoadContext) -> None:
    load(ctx, "cline")
    rows = servers(ctx)
    assert {n: (r["transport"], r["enabled"], r["auto_approve"]) for n, r in rows.items()} == {
        "postgres": ("stdio", True, ["query"]),
        "remote-docs": ("http", True, []),     # streamableHttp
        "legacy-events": ("sse", False, None),  # url without type is SSE in Cline
    }
    assert values(ctx, rows["remote-docs"], "header")["X-Api-Key"]["secret_kind"] == "secret_named_key"
    dsn = values(ctx, rows["postgres"], "arg")["2"]
    assert dsn["secret_kind"] == "url_password" and dsn["fingerprint"] == ctx.scanner.fingerprint(PG_PASSWORD)
    assert rows["postgres"]["args"][2] == "postgresql://app:****[url_password, 18 chars]@localhost/app"


def test_continue_yaml_list_and_block_file(ctx: LoadContext) -> None:
    load(ctx, "continue")
    rows = servers(ctx, "%/config.yaml")
    assert {n: (r["transport"], r["config_scope"]) for n, r in rows.items()} == {
        "github": ("stdio", "user"), "docs": ("http", "user"), "upstash/context7-mcp": ("unknown", "user")}
    assert rows["github"]["source_line"] == 10
    token = values(ctx, rows["github"], "env")["GITHUB_PERSONAL_ACCESS_TOKEN"]
    assert (token["reference_syntax"], token["reference_target"]) == ("gha_secrets", "GITHUB_PERSONAL_ACCESS_TOKEN")
    auth = values(ctx, rows["docs"], "header")["Authorization"]  # from requestOptions.headers
    assert auth["is_secret"] and auth["secret_kind"] == "jwt" and rows["docs"]["header_names"] == ["Authorization"]
    setting = values(ctx, rows["upstash/context7-mcp"], "setting")["CONTEXT7_API_KEY"]
    assert setting["reference_syntax"] == "gha_secrets"
    block = servers(ctx, "%/mcpServers/postgres.yaml")["postgres"]
    assert (block["config_scope"], block["package_name"], block["package_version"], block["package_pinned"]) == (
        "block", "mcp/postgres", "latest", False)
    assert values(ctx, block, "env")["DATABASE_URL"]["value_kind"] == "reference"  # password is a secrets ref


def test_continue_json_block_copied_from_another_client(ctx: LoadContext, tmp_path: Path) -> None:
    block = tmp_path / ".continue" / "mcpServers" / "docs.json"
    block.parent.mkdir(parents=True)
    block.write_text(json.dumps({"mcpServers": {"docs": {"type": "sse", "url": "https://docs.example/sse",
                                                         "headers": {"Authorization": "Bearer ${DOCS_TOKEN}"}}}}))
    load_family(ctx, "connectors", connectors, tmp_path)
    row = servers(ctx)["docs"]
    assert (row["client"], row["config_scope"], row["transport"], row["header_names"]) == (
        "continue", "block", "sse", ["Authorization"])


def test_zed_both_command_forms_and_profile_tools(ctx: LoadContext) -> None:
    load(ctx, "zed")
    rows = servers(ctx)
    assert {n: (r["transport"], r["command"]) for n, r in rows.items()} == {
        "postgres": ("stdio", "npx"), "notes": ("stdio", "/usr/local/bin/mcp-notes"),
        "linear": ("http", None), "mcp-server-github": ("unknown", None)}
    assert rows["notes"]["args"] == ["--vault", "/Users/alice/notes"] and rows["notes"]["env_names"] == [
        "NOTES_READONLY"]
    assert (rows["postgres"]["tools_allow"], rows["postgres"]["tools_deny"]) == (["describe_table", "query"],
                                                                                ["execute"])
    assert rows["notes"]["tools_allow"] is None and rows["notes"]["tools_deny"] is None
    assert rows["linear"]["oauth"] and not rows["postgres"]["oauth"]  # remote without headers: OAuth
    assert rows["mcp-server-github"]["enabled"] is False
    pat = values(ctx, rows["mcp-server-github"], "setting")["github_personal_access_token"]
    assert pat["is_secret"] and pat["secret_kind"] == "github_pat"


def test_gemini_cli(ctx: LoadContext) -> None:
    load(ctx, "gemini_cli")
    rows = servers(ctx)
    assert {n: (r["transport"], r["tools_allow"], r["tools_deny"], r["trust_bypass"], r["oauth"], r["enabled"])
            for n, r in rows.items()} == {
        "bq": ("stdio", ["list_tables", "describe_table", "query"], ["delete_table"], False, False, None),
        "internal": ("http", None, None, None, True, None),   # httpUrl; authProviderType
        "tickets": ("sse", None, None, True, True, None),      # url is SSE; trust skips confirmations
        "legacy-tools": ("stdio", None, None, None, False, False),  # mcp.excluded
    }
    assert values(ctx, rows["bq"], "env")["GOOGLE_APPLICATION_CREDENTIALS"]["reference_syntax"] == "shell"
    assert values(ctx, rows["tickets"], "oauth")["clientSecret"]["secret_kind"] == "secret_named_key"
    assert (rows["bq"]["package_version"], rows["bq"]["package_pinned"]) == ("0.3.1", True)
    assert rows["legacy-tools"]["package_pinned"] is None


def test_codex_toml_env_name_references(ctx: LoadContext) -> None:
    load(ctx, "codex")
    rows = servers(ctx)
    assert {n: (r["transport"], r["enabled"], r["tools_allow"], r["tools_deny"], r["oauth"])
            for n, r in rows.items()} == {
        "github": ("http", None, ["search_issues", "get_issue"], None, False),
        "fs": ("stdio", None, None, None, False),
        "figma": ("http", None, None, ["delete_file"], True),
        "openai-docs": ("stdio", False, None, None, False),
    }
    assert rows["github"]["source_line"] == 4 and rows["openai-docs"]["source_line"] == 21
    auth = values(ctx, rows["github"], "header")["Authorization"]
    assert (auth["value_kind"], auth["reference_syntax"], auth["reference_target"]) == ("reference", "env_name",
                                                                                        "GITHUB_PAT")
    passthrough = values(ctx, rows["fs"], "env_passthrough")
    assert {k: v["reference_syntax"] for k, v in passthrough.items()} == {"HOME": "env_name", "PATH": "env_name"}
    assert rows["fs"]["env_names"] == ["HOME", "PATH"]
    figma = values(ctx, rows["figma"], "header")
    assert figma["X-Figma-Token"]["is_secret"] and figma["X-Api-Key"]["reference_target"] == "FIGMA_API_KEY"
    assert rows["figma"]["header_names"] == ["X-Figma-Token", "X-Api-Key"]
    assert values(ctx, rows["openai-docs"], "env")["OPENAI_API_KEY"]["secret_kind"] == "api_key_sk"


# Secrets across the whole family ----------------------------------------------------------------


def test_planted_secrets_are_really_in_the_fixtures() -> None:
    text = "".join(p.read_text() for p in [*CONNECTORS.rglob("*"), *(FIXTURES / "tool_listings").rglob("*")]
                   if p.is_file())
    assert all(core in text for core in SECRET_CORES)


def test_no_literal_secret_is_stored_anywhere(ctx: LoadContext) -> None:
    load(ctx, "")
    tool_listings.load(ctx, FIXTURES / "tool_listings")
    stored: list[str] = [reason for *_, reason in ctx.quarantined]
    for table in ("connector_servers", "connector_values", "tools"):
        for column, column_type, *_ in ctx.con.execute(f"DESCRIBE {table}").fetchall():
            if column_type not in ("VARCHAR", "VARCHAR[]"):
                continue
            for (value,) in ctx.con.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL").fetchall():
                stored += value if isinstance(value, list) else [value]
    leaked = [core for core in SECRET_CORES if any(core in text for text in stored)]
    assert not leaked
    assert ctx.con.execute("SELECT count(*) FROM connector_values WHERE is_secret AND fingerprint IS NULL"
                           ).fetchone() == (0,)


def test_same_secret_in_two_files_has_one_fingerprint(ctx: LoadContext) -> None:
    load(ctx, "")
    by_fingerprint = dict(ctx.con.execute("""
        SELECT fingerprint, list(DISTINCT source_file ORDER BY source_file) FROM connector_values
        WHERE is_secret GROUP BY fingerprint HAVING count(DISTINCT source_file) > 1""").fetchall())
    assert by_fingerprint == {
        ctx.scanner.fingerprint(GHP): ["connectors/claude_desktop/claude_desktop_config.json",
                                       "connectors/cursor/.cursor/mcp.json"],
        ctx.scanner.fingerprint(PG_PASSWORD): ["connectors/claude_code/.claude.json",
                                               "connectors/cline/cline_mcp_settings.json"],
    }


# Bad input ------------------------------------------------------------------------------------------


def quarantined(ctx: LoadContext, source: str) -> list[tuple[int | None, str]]:
    return [(line, reason) for file, _, line, reason in ctx.quarantined if file == source]


def source_row(ctx: LoadContext, source: str) -> tuple[str | None, int, int]:
    return next((fmt, loaded, bad) for file, _, fmt, loaded, bad, *_ in ctx.sources if file == source)


def test_syntax_errors_are_quarantined_with_line_and_other_files_still_load(ctx: LoadContext) -> None:
    load(ctx, "broken")
    assert quarantined(ctx, "connectors/broken/claude_desktop_config.json") == [
        (6, "JSON syntax error at line 6, column 7")]
    assert source_row(ctx, "connectors/broken/claude_desktop_config.json") == ("claude_desktop", 0, 1)
    assert quarantined(ctx, "connectors/broken/.codex/config.toml") == [(3, "TOML syntax error at line 3, column 57")]
    assert quarantined(ctx, "connectors/broken/empty.json") == [(None, "empty file")]
    assert source_row(ctx, "connectors/broken/rollout-notes.txt")[0] is None
    assert set(servers(ctx)) == {"fine", "fetch"}  # the good servers of the broken folder still load


def test_bad_server_entries_are_quarantined_alone(ctx: LoadContext) -> None:
    load(ctx, "broken")
    assert quarantined(ctx, "connectors/broken/.cursor/mcp.json") == [
        (3, "server 'as-string': server definition must be an object, not a string"),
        (4, "server 'args-not-a-list': `args` must be a list, not a string"),
        (8, "server 'env-value-object': `env` values must be strings, not an object"),
    ]
    assert source_row(ctx, "connectors/broken/.cursor/mcp.json") == ("cursor", 1, 3)
    assert servers(ctx, "%/.cursor/mcp.json")["fine"]["package_pinned"] is True
    assert quarantined(ctx, "connectors/broken/.continue/config.yaml") == [
        (4, "mcpServers[0]: server definition has no `name`"),
        (4, "mcpServers[1]: server definition must be an object, not a string"),
    ]
    assert source_row(ctx, "connectors/broken/.continue/config.yaml") == ("continue", 1, 2)


def test_a_file_that_fails_part_way_leaves_no_rows(ctx: LoadContext, tmp_path: Path) -> None:
    (tmp_path / ".claude.json").write_text(json.dumps({
        "mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}, "projects": ["not", "a map"]}))
    load_family(ctx, "connectors", connectors, tmp_path)
    assert [reason for *_, reason in ctx.quarantined] == ["`projects` must be an object, not a list"]
    assert ctx.con.execute("SELECT count(*) FROM connector_servers").fetchone() == (0,)
    assert ctx.con.execute("SELECT count(*) FROM connector_values").fetchone() == (0,)


def test_one_name_twice_in_a_continue_list_loads_once(ctx: LoadContext, tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("mcpServers:\n  - name: a\n    command: uvx\n  - name: a\n    url: https://x\n")
    load_family(ctx, "connectors", connectors, tmp_path)
    assert [r["transport"] for r in servers(ctx).values()] == ["stdio"]
    assert [reason for *_, reason in ctx.quarantined] == ["server 'a': defined twice in the same scope"]


@pytest.mark.parametrize(("text", "syntax", "line"), [
    ('{\n  "env": {"TOKEN": "' + GHP + '"}\n  "x": 1\n}', "json", 3),
    ('// jsonc\n{\n  "a": [1, 2,],\n  "b": {"TOKEN": "' + GHP + '" "c"}\n}', "json", 4),
    ("a: 1\nb: [1, 2\nc: '" + GHP + "'\n", "yaml", 3),
    ('[mcp_servers.x]\ntoken = "' + GHP + '"\nargs = [1 2]\n', "toml", 3),
])
def test_parse_errors_name_the_line_and_never_the_content(text: str, syntax: str, line: int) -> None:
    with pytest.raises(BadRecord) as error:
        parse(text, syntax)
    assert error.value.line == line and "syntax error" in error.value.reason
    assert GHP not in error.value.reason and "FAKE" not in error.value.reason


def test_jsonc_comments_and_trailing_commas_parse() -> None:
    assert parse('// c\n{"servers": {"a": {"command": "x",},}, /* d */}', "json") == {
        "servers": {"a": {"command": "x"}}}


# Normalisation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("declared", "command", "url", "default", "expected"), [
    ("stdio", "npx", None, "http", "stdio"),
    ("streamable-http", None, "https://x", "sse", "http"),
    ("streamableHttp", None, "https://x", "sse", "http"),
    ("streamable_http", None, "https://x", "sse", "http"),
    ("remote", None, "https://x", "sse", "http"),
    ("httpUrl", None, "https://x", "sse", "http"),
    ("SSE", None, "https://x", "http", "sse"),
    ("ws", None, "wss://x", "http", "unknown"),
    (None, "npx", None, "http", "stdio"),
    (None, None, "https://x", "sse", "sse"),
    (None, None, None, "http", "unknown"),
])
def test_transport_normalisation(declared: str | None, command: str | None, url: str | None, default: str,
                                 expected: str) -> None:
    assert normalise_transport(declared, command, url, default) == expected


@pytest.mark.parametrize(("command", "args", "expected"), [
    ("npx", ["-y", "@scope/pkg@1.2.3", "--flag"], ("@scope/pkg", "1.2.3", True)),
    ("npx", ["-y", "pkg@1.2.3-beta.1"], ("pkg", "1.2.3-beta.1", True)),
    ("npx", ["-y", "pkg@latest"], ("pkg", "latest", False)),
    ("npx", ["-y", "pkg@^1.2.0"], ("pkg", "^1.2.0", False)),
    ("npx", ["pkg"], ("pkg", None, False)),
    ("npx", ["-y", "-p", "@scope/cli@2.0.0", "cli-bin"], ("@scope/cli", "2.0.0", True)),
    ("npx", ["--registry", "https://npm.example", "pkg@1.0.0"], ("pkg", "1.0.0", True)),
    ("npx", ["github:acme/mcp-server"], ("github:acme/mcp-server", None, False)),
    ("bunx", ["pkg@1.0.0"], ("pkg", "1.0.0", True)),
    ("pnpm", ["dlx", "pkg@1.0"], ("pkg", "1.0", False)),
    ("C:\\Program Files\\nodejs\\npx.cmd", ["-y", "pkg@1.0.0"], ("pkg", "1.0.0", True)),
    ("uvx", ["mcp-server-fetch==2025.4.7"], ("mcp-server-fetch", "2025.4.7", True)),
    ("uvx", ["mcp-server-fetch@2025.4.7"], ("mcp-server-fetch", "2025.4.7", True)),
    ("uvx", ["mcp-server-fetch@latest"], ("mcp-server-fetch", "latest", False)),
    ("uvx", ["mcp-server-fetch>=1.0"], ("mcp-server-fetch", ">=1.0", False)),
    ("uvx", ["--python", "3.12", "--from", "awslabs.core[all]==1.0.2", "core-mcp"], ("awslabs.core", "1.0.2", True)),
    ("uvx", ["mcp-server-fetch==1.*"], ("mcp-server-fetch", "1.*", False)),
    ("uv", ["tool", "run", "pkg==0.4"], ("pkg", "0.4", True)),
    ("pipx", ["run", "--spec", "pkg==1.0.0", "pkg-cli"], ("pkg", "1.0.0", True)),
    ("pipx", ["run", "pkg"], ("pkg", None, False)),
    ("docker", ["run", "-i", "--rm", "-e", "TOKEN", "mcp/github"], ("mcp/github", None, False)),
    ("docker", ["run", "--env=A=b", "-v", "/x:/y", "mcp/github:1.2.0"], ("mcp/github", "1.2.0", False)),
    ("docker", ["run", "registry.local:5000/mcp/fs"], ("registry.local:5000/mcp/fs", None, False)),
    ("docker", ["run", "mcp/fs@sha256:" + "a" * 64], ("mcp/fs", "sha256:" + "a" * 64, True)),
    ("podman", ["container", "run", "mcp/fs:latest"], ("mcp/fs", "latest", False)),
    ("docker", ["ps"], (None, None, None)),
    ("uv", ["--directory", "/srv/weather", "run", "weather.py"], (None, None, None)),
    ("/usr/local/bin/mcp-notes", ["--vault", "x"], (None, None, None)),
    ("node", ["build/index.js"], (None, None, None)),
])
def test_launched_package_and_pinning(command: str, args: list[str], expected: tuple[Any, Any, Any]) -> None:
    assert launched_package(command, args) == expected


def test_connector_id_is_md5_of_file_scope_project_and_name(ctx: LoadContext) -> None:
    load(ctx, "claude_code")
    row = servers(ctx, "%/.claude.json")["pg-prod"]
    key = "\x1f".join(("connectors/claude_code/.claude.json", "local", "/Users/alice/src/payments-api", "pg-prod"))
    assert row["connector_id"] == hashlib.md5(key.encode()).hexdigest()
    assert ctx.con.execute("SELECT count(DISTINCT connector_id) = count(*) FROM connector_servers").fetchone() == (
        True,)


def test_continue_module_name_is_importable() -> None:
    module = importlib.import_module("mcp_clearance.pipelines.connectors.continue_dev")
    assert module.FORMAT == "continue"


# Tool listings -------------------------------------------------------------------------------------


def test_tool_listings_load_with_annotations(ctx: LoadContext) -> None:
    tool_listings.load(ctx, FIXTURES / "tool_listings")
    rows = {(s, t): rest for s, t, *rest in ctx.con.execute(
        "SELECT server_name, tool_name, title, read_only_hint, destructive_hint, idempotent_hint, open_world_hint, "
        "source_file FROM tools").fetchall()}
    assert rows[("ledger-db", "query")] == ["Run a read-only query", True, None, None, False,
                                            "tool_listings/ledger-db.json"]
    assert rows[("ledger-db", "describe_table")][:2] == ["Describe table", True]  # title from annotations
    assert rows[("ledger-db", "drop_table")][1:5] == [False, True, True, None]    # "no" is not a boolean
    assert rows[("ledger-db", "export_csv")][1:5] == [None, None, None, None]     # undeclared stays NULL
    assert rows[("github", "delete_branch")][1:4] == [False, True, True]          # bare {"tools": [...]}
    assert set(rows) >= {("crm", "search_contacts"), ("crm", "send_email")}
    description = ctx.con.execute("SELECT description FROM tools WHERE tool_name = 'post_entry'").fetchone()[0]
    assert "sk-****[api_key_sk" in description and "FAKEtoolDESCkey" not in description


def test_bad_tool_listings_are_quarantined(ctx: LoadContext) -> None:
    tool_listings.load(ctx, FIXTURES / "tool_listings")
    by_file: dict[str, list[tuple[int | None, str]]] = {}
    for file, family, line, reason in ctx.quarantined:
        assert family == "tool_listings"
        by_file.setdefault(file, []).append((line, reason))
    assert by_file == {
        "tool_listings/broken.json": [(3, "JSON syntax error: Expecting ',' delimiter (column 25)")],
        "tool_listings/crm.json": [(3, "tools[1]: a tool must be an object"), (4, "tools[2]: tool has no `name`"),
                                   (5, "tools[3]: duplicate tool name in this listing")],
        "tool_listings/denied.json": [(None, "JSON-RPC error response: no tools listed")],
        "tool_listings/notes.csv": [(None, "not a tools/list JSON file (expected <server>.json)")],
    }
    sources = {file: (fmt, loaded, bad) for file, family, fmt, loaded, bad, *_ in ctx.sources}
    assert sources["tool_listings/crm.json"] == ("mcp_tools_list", 2, 3)
    assert sources["tool_listings/ledger-db.json"] == ("mcp_tools_list", 5, 0)
    assert sources["tool_listings/broken.json"] == (None, 0, 1)


def test_missing_tool_listings_folder_loads_nothing(ctx: LoadContext, tmp_path: Path) -> None:
    tool_listings.load(ctx, tmp_path / "absent")
    assert ctx.sources == [] and ctx.quarantined == []


# Issue 11: ordinary client files, path-weighted detection, whole commands, wrapped launchers ---------


def sources(ctx: LoadContext) -> dict[str, tuple[str, list[str], int]]:
    return {f: (c, cand, n) for f, c, cand, n in ctx.con.execute(
        "SELECT source_file, client, client_candidates, servers FROM connector_sources").fetchall()}


@pytest.mark.parametrize(("relative", "text", "client"), [
    ("Library/Application Support/Code/User/settings.json",
     '// VS Code user settings\n{"editor.fontSize": 14, "workbench.colorTheme": "Default Dark+",}', "vscode"),
    (".config/Code/User/settings.json", '{"files.autoSave": "afterDelay"}', "vscode"),
    (".vscode/settings.json", '{"python.defaultInterpreterPath": ".venv/bin/python"}', "vscode"),
    ("Library/Application Support/Claude/claude_desktop_config.json",
     '{"preferences": {"sidebarMode": "task"}, "globalShortcut": "Alt+Space"}', "claude_desktop"),
    (".config/zed/settings.json", '// Zed settings\n{"theme": "One Dark", "vim_mode": true}', "zed"),
    (".zed/settings.json", '{"tab_size": 2}', "zed"),
    (".gemini/settings.json", '{"general": {"preferredEditor": "vscode"}, "ui": {"theme": "GitHub"}}', "gemini_cli"),
    (".codex/config.toml", 'model = "o3"\napproval_policy = "on-request"\n', "codex"),
    (".claude.json", '{"numStartups": 4, "projects": {"/srv/app": {"hasTrustDialogAccepted": true}}}', "claude_code"),
    (".cursor/mcp.json", '{"mcpServers": {}}', "cursor"),
    ("Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json", '{"mcpServers": {}}', "cline"),
    (".continue/config.yaml", "name: Local Assistant\nversion: 1.0.0\nschema: v1\nmodels: []\n", "continue"),
])
def test_a_clients_ordinary_file_without_servers_is_its_source_with_zero_servers(
        ctx: LoadContext, tmp_path: Path, relative: str, text: str, client: str) -> None:
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    load_family(ctx, "connectors", connectors, tmp_path)
    assert ctx.quarantined == []
    assert formats(ctx) == {ctx.relative(path): client}
    assert sources(ctx)[ctx.relative(path)][0::2] == (client, 0)


@pytest.mark.parametrize(("relative", "content", "client"), [
    # `disabled` is a Cline key, but Desktop and Windsurf accept it: their documented path decides
    ("Library/Application Support/Claude/claude_desktop_config.json",
     {"mcpServers": {"fs": {"command": "npx", "args": ["-y", "pkg"], "disabled": False}}}, "claude_desktop"),
    (".codeium/windsurf/mcp_config.json",
     {"mcpServers": {"fs": {"command": "npx", "args": ["-y", "pkg"], "disabled": True}}}, "windsurf"),
    # a .mcp.json is Claude Code's even when a server carries Cline's alwaysAllow
    ("repo/.mcp.json", {"mcpServers": {"ahk": {"command": "node", "alwaysAllow": ["x"]}}}, "claude_code"),
])
def test_the_documented_path_outweighs_a_key_another_client_shares(tmp_path: Path, relative: str,
                                                                  content: dict[str, Any], client: str) -> None:
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content))
    found = detect_client(path, path.read_text())
    assert found is not None and found.client == client and found.candidates == (client,)


def test_codex_projects_trust_level_is_codex_not_claude_code(tmp_path: Path) -> None:
    for relative in (".codex/config.toml", "unlabelled/config.toml"):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('model = "gpt-5"\n\n[projects."/Users/alice/src/app"]\ntrust_level = "trusted"\n')
        found = detect_client(path, path.read_text())
        assert found is not None and found.client == "codex" and "claude_code" not in found.candidates


def test_a_file_two_clients_could_own_records_both(ctx: LoadContext, tmp_path: Path) -> None:
    # VS Code's servers map in a file named like Desktop's: read as VS Code, Desktop kept as a candidate
    path = tmp_path / "claude_desktop_config.json"
    path.write_text(json.dumps({"servers": {"x": {"type": "stdio", "command": "uvx", "args": ["mcp-server-time"]}}}))
    load_family(ctx, "connectors", connectors, tmp_path)
    assert sources(ctx)[ctx.relative(path)] == ("vscode", ["vscode", "claude_desktop"], 1)
    note = ctx.con.execute("SELECT detection FROM connector_sources").fetchone()[0]
    assert "also possible: claude_desktop" in note and "path claude_desktop_config.json" not in note


def test_an_untyped_generic_file_lists_every_client_it_could_be(tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"mcpServers": {"x": {"command": "uvx", "args": ["mcp-server-time"]}}}))
    found = detect_client(path, path.read_text())
    assert found is not None and found.client == "claude_desktop"
    assert set(found.candidates) >= {"claude_desktop", "cursor", "windsurf", "cline", "claude_code", "gemini_cli"}


@pytest.mark.parametrize("client_path", [
    "Library/Application Support/Claude/claude_desktop_config.json", ".cursor/mcp.json", ".vscode/mcp.json",
    ".codeium/windsurf/mcp_config.json", "cline_mcp_settings.json", ".gemini/settings.json", ".mcp.json",
    ".config/zed/settings.json", ".codex/config.toml", ".continue/config.yaml",
])
def test_a_command_with_spaces_is_kept_whole(ctx: LoadContext, tmp_path: Path, client_path: str) -> None:
    command = "~/Library/Application Support/Acme Tools/bin/acme-mcp"
    server = {"command": command, "args": ["--stdio"]}
    if client_path.endswith(".toml"):
        text = f'[mcp_servers.acme]\ncommand = "{command}"\nargs = ["--stdio"]\n'
    elif client_path.endswith(".yaml"):
        text = f'mcpServers:\n  - name: acme\n    command: "{command}"\n    args: ["--stdio"]\n'
    else:
        key = "servers" if "vscode" in client_path else "context_servers" if "zed" in client_path else "mcpServers"
        text = json.dumps({key: {"acme": server}})
    path = tmp_path / client_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    load_family(ctx, "connectors", connectors, tmp_path)
    row = servers(ctx)["acme"]
    assert (row["command"], row["args"], row["package_pinned"]) == (command, ["--stdio"], None)


@pytest.mark.parametrize(("command", "args", "expected"), [
    ("cmd", ["/c", "npx", "-y", "@scope/pkg"], ("@scope/pkg", None, False)),
    ("cmd.exe", ["/C", "npx -y pkg@1.2.3"], ("pkg", "1.2.3", True)),
    ("bash", ["-c", "npx -y pkg@1.2"], ("pkg", "1.2", False)),
    ("/bin/sh", ["-c", "exec npx -y pkg@1.2.3"], ("pkg", "1.2.3", True)),
    ("sh", ["-c", "./run-server.sh --stdio"], (None, None, None)),
    ("sh", ["-c", "uvx mcp-server-time==0.6.2"], ("mcp-server-time", "0.6.2", True)),
    ("zsh", ["-lc", "env FOO=1 npx tavily-mcp@0.1.3"], ("tavily-mcp", "0.1.3", True)),
    ("powershell", ["-Command", "npx -y pkg"], ("pkg", None, False)),
    ("uv", ["run", "--with", "fastmcp", "fastmcp", "run", "server.py"], ("fastmcp", None, False)),
    ("uv", ["run", "--with", "fastmcp==2.3.0", "fastmcp", "run", "server.py"], ("fastmcp", "2.3.0", True)),
    ("uv", ["run", "--with=httpx==0.28.1,fastmcp", "server.py"], ("fastmcp", None, False)),
    ("uv", ["--directory", "/srv/app", "run", "server.py"], (None, None, None)),
    ("uvx", ["--from", "git+https://github.com/oraios/serena", "serena-mcp-server"],
     ("git+https://github.com/oraios/serena", None, False)),
    ("uvx", ["--from", "awslabs.core==1.0.2", "core-mcp"], ("awslabs.core", "1.0.2", True)),
    ("pipx", ["run", "mcp-server-fetch==2025.4.7"], ("mcp-server-fetch", "2025.4.7", True)),
    ("npm", ["exec", "--yes", "--", "@playwright/mcp@0.0.29"], ("@playwright/mcp", "0.0.29", True)),
    ("npm", ["exec", "--package=task-master-ai", "task-master-ai"], ("task-master-ai", None, False)),
    ("npm", ["x", "pkg@latest"], ("pkg", "latest", False)),
    ("pnpm", ["dlx", "pkg@2.0.0"], ("pkg", "2.0.0", True)),
    ("yarn", ["dlx", "pkg"], ("pkg", None, False)),
    ("bunx", ["@playwright/mcp@latest"], ("@playwright/mcp", "latest", False)),
    ("bun", ["x", "chrome-devtools-mcp@0.8.1"], ("chrome-devtools-mcp", "0.8.1", True)),
    ("npx", ["-y", "--package=task-master-ai", "task-master-ai"], ("task-master-ai", None, False)),
    ("docker", ["run", "--rm", "-i", "-e", "TOKEN", "ghcr.io/github/github-mcp-server"],
     ("ghcr.io/github/github-mcp-server", None, False)),
    ("docker", ["run", "--rm", "-p", "8080:8080", "mcp/sql-lite:latest"], ("mcp/sql-lite", "latest", False)),
    ("podman", ["run", "-i", "mcp/fs@sha256:" + "b" * 64], ("mcp/fs", "sha256:" + "b" * 64, True)),
    ("cmd", ["/c", "docker", "run", "-i", "mcp/time:1.0"], ("mcp/time", "1.0", False)),
])
def test_wrapped_launchers_are_unwrapped_and_their_pins_judged(command: str, args: list[str],
                                                               expected: tuple[Any, Any, Any]) -> None:
    assert launched_package(command, args) == expected


def test_an_unpinned_package_behind_a_shell_fails_sc09_columns(ctx: LoadContext, tmp_path: Path) -> None:
    (tmp_path / "cline_mcp_settings.json").write_text(json.dumps({"mcpServers": {
        "tavily": {"command": "bash", "args": ["-c", "npx -y tavily-mcp"]},
        "pinned": {"command": "cmd", "args": ["/c", "npx", "-y", "tavily-mcp@0.1.3"]}}}))
    load_family(ctx, "connectors", connectors, tmp_path)
    rows = servers(ctx)
    assert (rows["tavily"]["package_name"], rows["tavily"]["package_pinned"]) == ("tavily-mcp", False)
    assert (rows["pinned"]["package_version"], rows["pinned"]["package_pinned"]) == ("0.1.3", True)


@pytest.mark.parametrize(("relative", "text"), [
    (".vscode/launch.json", '{"version": "0.2.0", "configurations": []}'),
    ("docker-compose.yaml", "services:\n  db:\n    image: postgres:16\n"),
    ("pyproject.toml", '[project]\nname = "x"\n'),
    ("notes/settings.json", '{"theme": "dark"}'),
])
def test_a_file_no_client_reads_is_still_unrecognised(ctx: LoadContext, tmp_path: Path, relative: str,
                                                      text: str) -> None:
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    assert detect_client(path, text) is None
    load_family(ctx, "connectors", connectors, tmp_path)
    assert [reason for *_, reason in ctx.quarantined] == [
        "unrecognised connectors format (no parser claims this content)"]


JSONC_CASES = [
    '{"a": "//not a comment", /* block */ "b": [1, 2,], // line\n "c": "a,]", "d": "q\\"//", }',
    '{\n// only a comment\n"x": {"y": 1,},\n}',
    '{"url": "http://host/*not*/a/comment", "v": ",}", /* multi\nline */ "w": [ {"k": 1} , ] }',
]


@pytest.mark.parametrize("text", JSONC_CASES)
def test_jsonc_read_without_json5_gives_what_json5_gives(text: str) -> None:
    data, relaxed_line = parse_relaxed(text, "json")
    assert data == json5.loads(text)
    assert relaxed_line is not None  # still reported as JSONC, not strict JSON
