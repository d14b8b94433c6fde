"""Claude Desktop: `claude_desktop_config.json`.

    {"globalShortcut": "Ctrl+Space",
     "mcpServers": {"github": {"command": "npx", "args": ["-y", "pkg@1.2.3"], "env": {"TOKEN": "..."}}}}

Detection (passes in `_common`): content - a top-level `globalShortcut`, since Desktop keeps its UI
settings in the same file; name - `claude_desktop_config.json`; fallback, asked last of all formats
(PRIORITY 90) - any `mcpServers` object: untyped command/args/env servers are the Desktop shape
every client accepts, so a file nothing more specific claims is read as Desktop's.

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
    return load_servers(ctx, path, FORMAT, lambda name, entry, line: base_spec(name, entry, line, "user"))
