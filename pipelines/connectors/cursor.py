"""Cursor: `~/.cursor/mcp.json` and `<repo>/.cursor/mcp.json`.

    {"mcpServers": {
        "linear": {"url": "https://mcp.linear.app/mcp", "headers": {"Authorization": "Bearer ${env:LINEAR_API_KEY}"}},
        "sqlite": {"command": "uvx", "args": ["mcp-server-sqlite", "--db-path", "${workspaceFolder}/app.db"],
                   "envFile": "${workspaceFolder}/.env.mcp"}}}

Detection (passes in `_common`): content - a server with `envFile` (VS Code's `servers` files are
claimed earlier); name - a `.cursor/` folder; fallback (PRIORITY 40: before Claude Code and
Desktop) - a `${env:` reference in an `mcpServers` file, Cursor's interpolation syntax (Windsurf
shares it, but a Windsurf file is claimed earlier by `serverUrl` or by its folder).

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
    base_spec,
    build_each,
    identify,
    in_folder,
    opt_str,
    read_document,
    store,
    warn_if_relaxed,
)

FORMAT = "cursor"
PRIORITY = 40


def content_match(doc: Document) -> bool:
    return doc.entry_has("envFile")


def name_match(path: Path) -> bool:
    return in_folder(path, ".cursor")


def fallback_match(doc: Document) -> bool:
    return doc.has_top("mcpServers") and "${env:" in doc.text


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    doc = read_document(path)
    loaded = store(ctx, path, FORMAT, build_each(ctx, path, doc.items("mcpServers"), _server))
    warn_if_relaxed(ctx, path, doc, "Cursor")  # it rejects a trailing comma or comment in mcp.json
    return loaded


def _server(name: str, entry: Any, line: int | None) -> ServerSpec:
    spec = base_spec(name, entry, line, "user")
    env_file = opt_str(entry, "envFile")
    if env_file is not None:
        spec.extra.append(("env_file", "envFile", env_file))
    return spec
