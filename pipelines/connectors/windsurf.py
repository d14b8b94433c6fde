"""Windsurf: `~/.codeium/windsurf/mcp_config.json`.

    {"mcpServers": {
        "sentry": {"serverUrl": "https://mcp.sentry.dev/mcp",
                   "headers": {"Authorization": "Bearer ${env:SENTRY_TOKEN}"}},
        "git": {"command": "uvx", "args": ["mcp-server-git", "--repository", "/Users/alice/src/app"]}}}

Detection (passes in `_common`): content (PRIORITY 20) - a server with `serverUrl`, the key only
Windsurf (and Antigravity, which shares the file shape) uses; name - a `windsurf`, `.windsurf`
or `.codeium` folder, or `mcp_config.json`.

Scope: user. Transport: `serverUrl` → http; command → stdio. Windsurf does not connect a `url`
key copied from another client: such a server keeps its url (so a secret in it is still found)
with transport 'unknown'.
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
    read_document,
    store,
)

FORMAT = "windsurf"
PRIORITY = 20


def content_match(doc: Document) -> bool:
    return doc.entry_has("serverUrl")


def name_match(path: Path) -> bool:
    return in_folder(path, "windsurf", ".windsurf", ".codeium") or path.name == "mcp_config.json"


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    doc = read_document(path)
    return store(ctx, path, FORMAT, build_each(ctx, path, doc.items("mcpServers"), _server))


def _server(name: str, entry: Any, line: int | None) -> ServerSpec:
    return base_spec(name, entry, line, "user", url_keys={"serverUrl": None, "url": "unknown"})
