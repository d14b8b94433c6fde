"""Cursor: `~/.cursor/mcp.json` and `<repo>/.cursor/mcp.json`.

    {"mcpServers": {
        "linear": {"url": "https://mcp.linear.app/mcp", "headers": {"Authorization": "Bearer ${env:LINEAR_API_KEY}"}},
        "sqlite": {"command": "uvx", "args": ["mcp-server-sqlite", "--db-path", "${workspaceFolder}/app.db"],
                   "envFile": "${workspaceFolder}/.env.mcp"}}}

Detection: the documented locations in `PATHS` and the weighted `content_signals` below,
scored against every other client in `_common.detect_client`.

Scope: user (the user and project files share name and shape, so an estate cannot tell them
apart). Transport: `type` when given (stdio | sse | streamable-http | http), else command → stdio,
url → http (Cursor tries streamable HTTP first). `envFile` is kept as an `env_file` value.
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
    generic_servers,
    identify,
    load_servers,
    opt_str,
    server_key_signals,
)

FORMAT = "cursor"
PRIORITY = 40
SYNTAXES = ("json",)
PATHS = ((".cursor/mcp.json", 60),)


def content_signals(doc: Document) -> list[Signal]:
    signals = generic_servers(doc) + server_key_signals(doc, {"envFile": 15})
    if signals and "${env:" in doc.text:
        signals.append(Signal(15, "${env:} reference"))
    return signals


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    # Cursor rejects a trailing comma or comment in mcp.json
    return load_servers(ctx, path, FORMAT, _server, strict_json_client="Cursor")


def _server(name: str, entry: Any, line: int | None) -> ServerSpec:
    spec = base_spec(name, entry, line, "user")
    env_file = opt_str(entry, "envFile")
    if env_file is not None:
        spec.extra.append(("env_file", "envFile", env_file))
    return spec
