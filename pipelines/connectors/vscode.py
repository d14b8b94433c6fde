"""VS Code: `.vscode/mcp.json`, the user profile's `mcp.json`, and legacy `settings.json` `mcp.servers`.

    // JSONC: comments and trailing commas are allowed
    {"inputs": [{"type": "promptString", "id": "gh-pat", "description": "GitHub PAT", "password": true}],
     "servers": {
        "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/",
                   "headers": {"Authorization": "Bearer ${input:gh-pat}"}},
        "fetch": {"type": "stdio", "command": "uvx", "args": ["mcp-server-fetch"],
                  "envFile": "${workspaceFolder}/.env"},
     }}

Detection: the documented locations in `PATHS` and the weighted `content_signals` below,
scored against every other client in `_common.detect_client`.

Scope: workspace under `.vscode/`, else user. `inputs` are prompts whose answers VS Code keeps in
its secret storage, so `${input:id}` values are references and the file holds no value to load.
Transport: `type` (stdio | http | sse), else command → stdio, url → http (VS Code tries streamable
HTTP first, then SSE). `envFile` is kept as an `env_file` value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import LoadContext
from mcp_clearance.pipelines.connectors._common import (
    Document,
    ServerSpec,
    Signal,
    base_spec,
    identify,
    in_folder,
    opt_str,
    read_document,
    store,
    walk_servers,
)

FORMAT = "vscode"
PRIORITY = 10
SYNTAXES = ("json",)
PATHS = (
    (".vscode/mcp.json", 60), ("User/mcp.json", 50), ("User/profiles/*/mcp.json", 50),
    ("Code/User/settings.json", 45), ("Code - Insiders/User/settings.json", 45), ("VSCodium/User/settings.json", 45),
    (".vscode/settings.json", 40), ("User/settings.json", 20),
)


def content_signals(doc: Document) -> list[Signal]:
    if not doc.parsed:
        return [Signal(40, "servers")] if doc.mentions("servers") else []
    legacy = doc.top.get("mcp")
    servers = doc.top.get("servers")
    signals = [Signal(40, "servers object")] if isinstance(servers, dict) else []
    if isinstance(servers, dict) and servers:  # the `servers` map with entries is VS Code's mcp.json alone
        signals.append(Signal(30, "servers defined"))
    if isinstance(doc.top.get("inputs"), list):
        signals.append(Signal(30, "inputs list"))
    if isinstance(legacy, dict) and "servers" in legacy:
        signals.append(Signal(40, "mcp.servers"))
    if "${input:" in doc.text:
        signals.append(Signal(15, "${input:} reference"))
    return signals


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    doc = read_document(path)
    container = ("servers",) if "servers" in doc.top else ("mcp", "servers")
    scope = "workspace" if in_folder(path, ".vscode") else "user"

    def server(name: str, entry: Any, line: int | None) -> ServerSpec:
        spec = base_spec(name, entry, line, scope)
        env_file = opt_str(entry, "envFile")
        if env_file is not None:
            spec.extra.append(("env_file", "envFile", env_file))
        return spec

    return store(ctx, path, FORMAT, walk_servers(ctx, path, doc, server, *container))
