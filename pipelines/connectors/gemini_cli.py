"""Gemini CLI: `~/.gemini/settings.json` and `<repo>/.gemini/settings.json`.

    {"mcpServers": {
        "bq": {"command": "uvx", "args": ["mcp-server-bigquery==0.3.1", "--project", "analytics-prod"],
               "env": {"GOOGLE_APPLICATION_CREDENTIALS": "$HOME/.config/gcloud/sa.json"},
               "includeTools": ["list_tables", "query"], "excludeTools": ["delete_table"], "trust": false},
        "internal": {"httpUrl": "https://mcp.internal.example.com/mcp", "authProviderType": "google_credentials",
                     "oauth": {"scopes": ["https://www.googleapis.com/auth/userinfo.email"]}}},
     "mcp": {"excluded": ["legacy"]}}

Detection: the documented locations in `PATHS` and the weighted `content_signals` below,
scored against every other client in `_common.detect_client`.

Scope: user (user and project files share name and shape). Transport: `httpUrl` → http,
`url` → sse, command → stdio (a declared `type` wins). `includeTools` → tools_allow,
`excludeTools` → tools_deny (Gemini applies exclude over include), `trust` → trust_bypass (every
confirmation skipped), an enabled `oauth` object or an `authProviderType` → oauth, and the OAuth
values are kept as `oauth` values (a literal clientSecret is a finding). Server-level lists
`mcp.allowed` / `mcp.excluded` (older `allowMCPServers` / `excludeMCPServers`) set enabled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import BadRecord, LoadContext
from mcp_clearance.pipelines.connectors._common import (
    Document,
    ServerSpec,
    Signal,
    base_spec,
    generic_servers,
    identify,
    kind_of,
    opt_bool,
    opt_str,
    read_document,
    server_key_signals,
    store,
    str_list,
    string_leaves,
    top_key_signals,
    walk_servers,
)

FORMAT = "gemini_cli"
PRIORITY = 20
SYNTAXES = ("json",)
PATHS = ((".gemini/settings.json", 60),)
SERVER_KEYS = {"httpUrl": 40, "includeTools": 30, "excludeTools": 30, "trust": 20, "authProviderType": 30}
TOP_KEYS = {"contextFileName": 20, "autoAccept": 15, "allowMCPServers": 20, "excludeMCPServers": 20,
            "selectedAuthType": 20}


def content_signals(doc: Document) -> list[Signal]:
    signals = generic_servers(doc) + server_key_signals(doc, SERVER_KEYS) + top_key_signals(doc, TOP_KEYS)
    mcp = doc.top.get("mcp")
    if isinstance(mcp, dict) and ("allowed" in mcp or "excluded" in mcp):
        signals.append(Signal(20, "mcp.allowed/excluded"))
    return signals


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    doc = read_document(path)
    mcp = doc.top.get("mcp") if isinstance(doc.top.get("mcp"), dict) else {}
    try:
        allowed = str_list(mcp, "allowed") if "allowed" in mcp else str_list(doc.top, "allowMCPServers")
        excluded = str_list(mcp, "excluded") if "excluded" in mcp else str_list(doc.top, "excludeMCPServers")
    except BadRecord as exc:
        raise BadRecord(exc.reason, doc.line("allowed") or doc.line("excluded")) from None

    def server(name: str, entry: Any, line: int | None) -> ServerSpec:
        spec = base_spec(name, entry, line, "user", url_keys={"httpUrl": "http", "url": "sse"}, url_default="sse")
        spec.tools_allow = str_list(entry, "includeTools")
        spec.tools_deny = str_list(entry, "excludeTools")
        spec.trust_bypass = opt_bool(entry, "trust")
        oauth = entry.get("oauth")
        if oauth is not None and not isinstance(oauth, dict):
            raise BadRecord(f"`oauth` must be an object, not {kind_of(oauth)}")
        spec.oauth = bool(oauth and oauth.get("enabled") is not False) or opt_str(entry, "authProviderType") is not None
        spec.extra = [("oauth", key, value) for key, value in string_leaves(oauth or {})]
        if excluded is not None and name in excluded:
            spec.enabled = False
        elif allowed is not None:
            spec.enabled = name in allowed
        return spec

    return store(ctx, path, FORMAT, walk_servers(ctx, path, doc, server))
