"""Codex CLI: `~/.codex/config.toml` (also `.codex/config.toml` in a trusted project), TOML.

    [mcp_servers.github]
    url = "https://api.githubcopilot.com/mcp/"
    bearer_token_env_var = "GITHUB_PAT"
    enabled_tools = ["search_issues", "get_issue"]

    [mcp_servers.fs]
    command = "npx"
    args = ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/srv/repo"]
    env_vars = ["HOME"]

Detection: the documented locations in `PATHS` and the weighted `content_signals` below,
scored against every other client in `_common.detect_client`.

Codex expands no `${VAR}`: secrets are referenced by environment variable NAME. `env_vars`
(variables inherited from the parent) become `env_passthrough` values, `bearer_token_env_var` an
`Authorization` header and `env_http_headers` headers, all with reference_syntax env_name.
`env` and `http_headers` are literal, as is the retired `bearer_token`. `enabled`,
`enabled_tools` → tools_allow and `disabled_tools` → tools_deny map directly. Transport: command →
stdio, url → http (streamable HTTP is the only remote transport Codex speaks). OAuth: `scopes` or
`oauth_resource` given. Scope: user (user and project files share name and shape).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import LoadContext
from mcp_clearance.pipelines.connectors._common import (
    Document,
    ServerSpec,
    Signal,
    base_spec,
    build_each,
    identify,
    opt_bool,
    opt_str,
    read_document,
    scalar_map,
    store,
    str_list,
    top_key_signals,
)

FORMAT = "codex"
PRIORITY = 10
SYNTAXES = ("toml",)
PATHS = ((".codex/config.toml", 60), ("codex/config.toml", 50))
# Codex settings that sit beside `mcp_servers` (`[projects."<path>"] trust_level` is Codex's, not Claude Code's).
TOP_KEYS = {"mcp_servers": 60, "projects": 20, "model": 10, "approval_policy": 15, "sandbox_mode": 15,
            "model_provider": 15, "model_providers": 15, "profiles": 10}


def content_signals(doc: Document) -> list[Signal]:
    return top_key_signals(doc, TOP_KEYS)


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    doc = read_document(path)
    items = [(name, entry, _line(doc, name) or line) for name, entry, line in doc.items("mcp_servers")]
    return store(ctx, path, FORMAT, build_each(ctx, path, items, _server))


def _line(doc: Document, name: str) -> int | None:
    """Line of the `[mcp_servers.<name>]` table header (bare or quoted name)."""
    quoted = "|".join(re.escape(n) for n in (name, f'"{name}"', f"'{name}'"))
    return doc.find_line(re.compile(rf"(?m)^[ \t]*\[[ \t]*mcp_servers[ \t]*\.[ \t]*(?:{quoted})[ \t]*\]"))


def _server(name: str, entry: Any, line: int | None) -> ServerSpec:
    spec = base_spec(name, entry, line, "user")
    spec.headers = scalar_map(entry, "http_headers")
    bearer = opt_str(entry, "bearer_token")
    if bearer is not None:
        spec.headers["Authorization"] = f"Bearer {bearer}"
    spec.env_passthrough = str_list(entry, "env_vars") or []
    token_variable = opt_str(entry, "bearer_token_env_var")
    if token_variable is not None:
        spec.header_env["Authorization"] = token_variable
    spec.header_env.update({k: v for k, v in scalar_map(entry, "env_http_headers").items() if v is not None})
    spec.enabled = opt_bool(entry, "enabled")
    spec.tools_allow = str_list(entry, "enabled_tools")
    spec.tools_deny = str_list(entry, "disabled_tools")
    spec.oauth = "scopes" in entry or "oauth_resource" in entry
    return spec
