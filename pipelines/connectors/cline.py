"""Cline: `cline_mcp_settings.json` in the VS Code (or Cursor) extension storage.

    {"mcpServers": {
        "postgres": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres@0.6.2",
                                                "postgresql://ro@localhost/app"],
                     "autoApprove": ["query"], "disabled": false, "timeout": 60},
        "docs": {"type": "streamableHttp", "url": "https://docs.example.com/mcp", "headers": {"X-Api-Key": "..."}}}}

Detection (passes in `_common`): content (PRIORITY 30, after Gemini and Windsurf) - a server with
`autoApprove`, `disabled`, `transportType` or type `streamableHttp`; name -
`cline_mcp_settings.json` or the `saoudrizwan.claude-dev` folder; fallback - a server with
`timeout` (Gemini has one too, so only when nothing else decided).

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
    base_spec,
    build_each,
    identify,
    in_folder,
    opt_bool,
    read_document,
    store,
    str_list,
)

FORMAT = "cline"
PRIORITY = 30


def content_match(doc: Document) -> bool:
    if doc.entry_has("autoApprove", "disabled", "transportType"):
        return True
    if not doc.parsed:
        return doc.mentions("mcpServers") and '"streamableHttp"' in doc.text
    return any(entry.get("type") == "streamableHttp" for entry in doc.entries())


def name_match(path: Path) -> bool:
    return path.name == "cline_mcp_settings.json" or in_folder(path, "saoudrizwan.claude-dev")


def fallback_match(doc: Document) -> bool:
    return doc.entry_has("timeout")


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    doc = read_document(path)
    return store(ctx, path, FORMAT, build_each(ctx, path, doc.items("mcpServers"), _server))


def _server(name: str, entry: Any, line: int | None) -> ServerSpec:
    spec = base_spec(name, entry, line, "user", url_default="sse", type_keys=("type", "transportType"))
    spec.auto_approve = str_list(entry, "autoApprove")
    disabled = opt_bool(entry, "disabled")
    spec.enabled = None if disabled is None else not disabled
    return spec
