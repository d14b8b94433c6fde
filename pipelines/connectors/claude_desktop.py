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
    base_spec,
    build_each,
    identify,
    read_document,
    store,
    warn_if_relaxed,
)

FORMAT = "claude_desktop"
PRIORITY = 90


def content_match(doc: Document) -> bool:
    return doc.has_top("globalShortcut")


def name_match(path: Path) -> bool:
    return path.name == "claude_desktop_config.json"


def fallback_match(doc: Document) -> bool:
    return doc.has_top("mcpServers")


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    doc = read_document(path)
    specs = build_each(ctx, path, doc.items("mcpServers"), lambda name, entry, line: base_spec(
        name, entry, line, "user"))
    loaded = store(ctx, path, FORMAT, specs)
    warn_if_relaxed(ctx, path, doc, "Claude Desktop")  # it parses the file with JSON.parse
    return loaded
