"""Windsurf: `~/.codeium/windsurf/mcp_config.json`.

    {"mcpServers": {
        "sentry": {"serverUrl": "https://mcp.sentry.dev/mcp",
                   "headers": {"Authorization": "Bearer ${env:SENTRY_TOKEN}"}},
        "git": {"command": "uvx", "args": ["mcp-server-git", "--repository", "/Users/alice/src/app"]}}}

Detection: the documented locations in `PATHS` and the weighted `content_signals` below,
scored against every other client in `_common.detect_client`.

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
    Signal,
    base_spec,
    generic_servers,
    identify,
    load_servers,
    server_key_signals,
)

FORMAT = "windsurf"
PRIORITY = 20
SYNTAXES = ("json",)
PATHS = (
    (".codeium/windsurf/mcp_config.json", 60), ("windsurf/mcp_config.json", 50), (".codeium/mcp_config.json", 50),
    ("mcp_config.json", 30), (".windsurf/*.json", 20), (".codeium/*.json", 20),
)


def content_signals(doc: Document) -> list[Signal]:
    return generic_servers(doc) + server_key_signals(doc, {"serverUrl": 40})


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    return load_servers(ctx, path, FORMAT, _server)


def _server(name: str, entry: Any, line: int | None) -> ServerSpec:
    return base_spec(name, entry, line, "user", url_keys={"serverUrl": None, "url": "unknown"})
