"""Cline: `cline_mcp_settings.json` in the VS Code (or Cursor) extension storage.

    {"mcpServers": {
        "postgres": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres@0.6.2",
                                                "postgresql://ro@localhost/app"],
                     "autoApprove": ["query"], "disabled": false, "timeout": 60},
        "docs": {"type": "streamableHttp", "url": "https://docs.example.com/mcp", "headers": {"X-Api-Key": "..."}}}}

Detection: the documented locations in `PATHS` and the weighted `content_signals` below,
scored against every other client in `_common.detect_client`.

Scope: user. Transport: `type` (or legacy `transportType`): stdio | sse | streamableHttp → http;
a url without a type is SSE, Cline's backwards-compatible default. `autoApprove` → auto_approve;
`disabled` → enabled (negated). Cline expands no variables: every value is literal.
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
    opt_bool,
    server_key_signals,
    str_list,
)

FORMAT = "cline"
PRIORITY = 30
SYNTAXES = ("json",)
PATHS = (("cline_mcp_settings.json", 60), ("saoudrizwan.claude-dev/settings/*.json", 60))
# `disabled` and `timeout` are weak: Claude Desktop, Windsurf and Gemini accept them too.
SERVER_KEYS = {"autoApprove": 20, "transportType": 30, "alwaysAllow": 10, "disabled": 5, "timeout": 5}


def content_signals(doc: Document) -> list[Signal]:
    signals = generic_servers(doc) + server_key_signals(doc, SERVER_KEYS)
    streamable = ('"streamableHttp"' in doc.text if not doc.parsed
                  else any(entry.get("type") == "streamableHttp" for entry in doc.entries()))
    return signals + ([Signal(30, "type streamableHttp")] if streamable else [])


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    return load_servers(ctx, path, FORMAT, _server)


def _server(name: str, entry: Any, line: int | None) -> ServerSpec:
    spec = base_spec(name, entry, line, "user", url_default="sse", type_keys=("type", "transportType"))
    spec.auto_approve = str_list(entry, "autoApprove")
    disabled = opt_bool(entry, "disabled")
    spec.enabled = None if disabled is None else not disabled
    return spec
