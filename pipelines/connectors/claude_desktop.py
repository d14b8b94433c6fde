"""Claude Desktop: `claude_desktop_config.json`.

    {"globalShortcut": "Ctrl+Space",
     "mcpServers": {"github": {"command": "npx", "args": ["-y", "pkg@1.2.3"], "env": {"TOKEN": "..."}}}}

Detection: the documented locations in `PATHS` and the weighted `content_signals` below,
scored against every other client in `_common.detect_client`.

Every server is user scope. Remote servers ("Connectors") live in the Desktop app, not this file;
a `url` found here is still recorded so a secret in it is not missed.
"""

from __future__ import annotations

from pathlib import Path

from mcp_clearance.pipelines.base import LoadContext
from mcp_clearance.pipelines.connectors._common import (
    Document,
    Signal,
    base_spec,
    generic_servers,
    identify,
    load_servers,
    top_key_signals,
)

FORMAT = "claude_desktop"
PRIORITY = 90
SYNTAXES = ("json",)
PATHS = (("claude_desktop_config.json", 60),)


def content_signals(doc: Document) -> list[Signal]:
    signals = generic_servers(doc)
    if signals:  # the plain command/args/env shape every client accepts is Desktop's own
        signals.append(Signal(1, "plain mcpServers (the shape every client accepts)"))
    return signals + top_key_signals(doc, {"globalShortcut": 40, "preferences": 25})


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    # Claude Desktop parses the file with JSON.parse
    return load_servers(ctx, path, FORMAT, lambda name, entry, line: base_spec(name, entry, line, "user"),
                        strict_json_client="Claude Desktop")
