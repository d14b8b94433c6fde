"""Zed: `context_servers` in `~/.config/zed/settings.json` (or a project's `.zed/settings.json`).

    // JSONC
    {"context_servers": {
        "postgres": {"source": "custom", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres"]},
        "old-style": {"command": {"path": "/usr/local/bin/mcp-notes", "args": ["--vault", "~/notes"], "env": {}}},
        "linear": {"url": "https://mcp.linear.app/mcp"}},
     "agent": {"profiles": {"readonly": {"context_servers": {"postgres": {"tools": {"query": true, "drop": false}}}}}}}

Detection: the documented locations in `PATHS` and the weighted `content_signals` below,
scored against every other client in `_common.detect_client`.

Both server forms are read: current `command` + `args` + `env`, and the older
`command: {path, args, env}`. Extension servers (`source: "extension"`) launch nothing named here:
transport unknown, and each value under `settings` is kept as a `setting` value. A remote server
without `headers` uses OAuth (Zed's documented behaviour), so oauth is true for it. `enabled`
maps directly.

Tools: `agent.profiles.<p>.context_servers.<name>.tools{tool: bool}` → tools_allow (true in some
profile) and tools_deny (false and true in none). A profile with `enable_all_context_servers`
exposes every tool, so it leaves no allowlist. Scope: project under `.zed/`, else user.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import BadRecord, LoadContext
from mcp_clearance.pipelines.connectors._common import (
    Document,
    ServerSpec,
    Signal,
    base_spec,
    identify,
    in_folder,
    kind_of,
    opt_bool,
    read_document,
    store,
    string_leaves,
    top_key_signals,
    walk_servers,
)

FORMAT = "zed"
PRIORITY = 10
SYNTAXES = ("json",)
PATHS = (("zed/settings.json", 60), (".zed/settings.json", 60))


def content_signals(doc: Document) -> list[Signal]:
    return top_key_signals(doc, {"context_servers": 60})


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    doc = read_document(path)
    scope = "project" if in_folder(path, ".zed") else "user"
    allowed, denied, open_all = _tool_grants(doc)

    def server(name: str, entry: Any, line: int | None) -> ServerSpec:
        if not isinstance(entry, dict):
            raise BadRecord(f"server definition must be an object, not {kind_of(entry)}")
        command = entry.get("command")
        if isinstance(command, dict):  # older form: command {path, args, env}
            entry = {**entry, **command, "command": command.get("path")}
        spec = base_spec(name, entry, line, scope)
        settings = entry.get("settings")
        if settings is not None and not isinstance(settings, dict):
            raise BadRecord(f"`settings` must be an object, not {kind_of(settings)}")
        spec.extra = [("setting", key, value) for key, value in string_leaves(settings or {})]
        spec.enabled = opt_bool(entry, "enabled")
        spec.oauth = spec.url is not None and not spec.headers
        if name in allowed or name in denied:
            spec.tools_allow = None if open_all else sorted(allowed[name])
            spec.tools_deny = sorted(denied[name] - allowed[name])
        return spec

    return store(ctx, path, FORMAT, walk_servers(ctx, path, doc, server, "context_servers"))


def _tool_grants(doc: Document) -> tuple[dict[str, set[str]], dict[str, set[str]], bool]:
    """Per server: tools some profile enables, tools some profile disables; and whether a profile
    enables every context server (then no server has an allowlist)."""
    allowed: dict[str, set[str]] = defaultdict(set)
    denied: dict[str, set[str]] = defaultdict(set)
    open_all = False
    for profile in doc.mapping("agent", "profiles").values():
        if not isinstance(profile, dict):
            continue
        open_all = open_all or profile.get("enable_all_context_servers") is True
        servers = profile.get("context_servers")
        for name, grant in (servers.items() if isinstance(servers, dict) else ()):
            tools = grant.get("tools") if isinstance(grant, dict) else None
            for tool, on in (tools.items() if isinstance(tools, dict) else ()):
                if on is True:
                    allowed[name].add(tool)
                elif on is False:
                    denied[name].add(tool)
    return allowed, denied, open_all
