"""Claude Code: project `.mcp.json`, the user file `~/.claude.json`, and `managed-mcp.json`.

    .mcp.json      {"mcpServers": {"jira": {"type": "http", "url": "${JIRA_MCP_URL:-https://jira.example/mcp}",
                                            "headers": {"Authorization": "Bearer ${JIRA_TOKEN}"}}}}
    ~/.claude.json {"mcpServers": {...},                                   user scope
                    "projects": {"/Users/alice/src/payments-api": {
                        "mcpServers": {...},                               local scope
                        "enabledMcpjsonServers": ["jira"], "disabledMcpjsonServers": ["pg-admin"]}}}

Detection: the documented locations in `PATHS` and the weighted `content_signals` below,
scored against every other client in `_common.detect_client`.

Scopes: `.mcp.json` and other files of that shape → project; `managed-mcp.json` → managed; in the
user file, top-level servers → user and `projects.<path>.mcpServers` → local with project_path.
Transport: `type` (stdio | http | sse; `ws` and others → unknown), else command → stdio, url → http.
An `oauth` object sets oauth and its values are kept as `oauth` values.

Approval. Claude Code starts a project (`.mcp.json`) server only once the user approves it and
keeps the answer per project in the user file: `disabledMcpjsonServers` wins, then
`enabledMcpjsonServers` (or `enableAllProjectMcpServers`), else it is pending. Hence:
  * a `.mcp.json` server loads with approval_state 'pending' (that file approves nothing);
  * each server named in a project's two lists becomes a project-scope row of the user file, with
    project_path, approval_state 'approved' or 'disabled', enabled true or false, and transport
    'unknown' (its definition lives in that project's `.mcp.json`, not in this file);
  * `enableAllProjectMcpServers` names no server, so it adds no row;
  * user, local and managed servers need no approval: approval_state NULL.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import BadRecord, LoadContext
from mcp_clearance.pipelines.connectors._common import (
    FAMILY,
    Document,
    ServerSpec,
    Signal,
    base_spec,
    build_each,
    generic_servers,
    identify,
    kind_of,
    read_document,
    server_key_signals,
    store,
    str_list,
    string_leaves,
    top_key_signals,
    walk_servers,
)

FORMAT = "claude_code"
PRIORITY = 80
USER_FILE = ".claude.json"
MANAGED_FILE = "managed-mcp.json"
SYNTAXES = ("json",)
PATHS = ((".mcp.json", 50), (USER_FILE, 60), (MANAGED_FILE, 60))
SERVER_KEYS = {"type": 5, "headersHelper": 30, "oauth": 10}
# Keys of the user file `~/.claude.json` beside its servers and projects.
TOP_KEYS = {"numStartups": 20, "installMethod": 20, "userID": 20, "firstStartTime": 20, "hasCompletedOnboarding": 20}
PROJECT_KEYS = ("allowedTools", "hasTrustDialogAccepted", "enabledMcpjsonServers", "disabledMcpjsonServers",
                "mcpServers", "enableAllProjectMcpServers")


def content_signals(doc: Document) -> list[Signal]:
    signals = generic_servers(doc) + server_key_signals(doc, SERVER_KEYS) + top_key_signals(doc, TOP_KEYS)
    projects = doc.top.get("projects")
    if not doc.parsed and doc.mentions("projects"):
        signals.append(Signal(15, "projects"))
    elif isinstance(projects, dict):
        claude_like = any(isinstance(p, dict) and any(k in p for k in PROJECT_KEYS) for p in projects.values())
        signals.append(Signal(50 if claude_like else 15, "projects with Claude Code keys" if claude_like
                              else "projects"))
    return signals


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    doc = read_document(path)
    if "projects" in doc.top or path.name == USER_FILE:
        specs = _user_file(ctx, path, doc)
    else:
        scope = "managed" if path.name == MANAGED_FILE else "project"
        approval = "pending" if scope == "project" else None
        specs = walk_servers(ctx, path, doc, partial(_server, scope=scope, approval=approval))
    return store(ctx, path, FORMAT, specs)


def _server(name: str, entry: Any, line: int | None, *, scope: str, project_path: str | None = None,
            approval: str | None = None) -> ServerSpec:
    spec = base_spec(name, entry, line, scope)
    spec.project_path = project_path
    spec.approval_state = approval
    oauth = entry.get("oauth")
    if oauth is not None:
        if not isinstance(oauth, dict):
            raise BadRecord(f"`oauth` must be an object, not {kind_of(oauth)}")
        spec.oauth = True
        spec.extra = [("oauth", key, value) for key, value in string_leaves(oauth)]
    return spec


def _user_file(ctx: LoadContext, path: Path, doc: Document) -> list[ServerSpec]:
    specs = walk_servers(ctx, path, doc, partial(_server, scope="user"))
    for project, entry in doc.mapping("projects").items():
        line = doc.line("projects", project)
        if not isinstance(entry, dict):
            ctx.quarantine(path, FAMILY, f"`projects` entry: must be an object, not {kind_of(entry)}", line)
            continue
        try:
            local = doc.items("projects", project, "mcpServers")
            approvals = _approvals(doc, project, entry)
        except BadRecord as exc:
            ctx.quarantine(path, FAMILY, f"`projects` entry: {exc.reason}", exc.line or line)
            continue
        specs += build_each(ctx, path, local, partial(_server, scope="local", project_path=project))
        specs += approvals
    return specs


def _approvals(doc: Document, project: str, entry: dict[str, Any]) -> list[ServerSpec]:
    """Project-scope rows for the `.mcp.json` servers this user approved or disabled in `project`."""
    enabled = str_list(entry, "enabledMcpjsonServers") or []
    disabled = str_list(entry, "disabledMcpjsonServers") or []
    specs = []
    for name in dict.fromkeys(enabled + disabled):
        key = "disabledMcpjsonServers" if name in disabled else "enabledMcpjsonServers"
        specs.append(ServerSpec(
            name=name, scope="project", line=doc.line("projects", project, key), transport="unknown",
            project_path=project, approval_state="disabled" if name in disabled else "approved",
            enabled=name not in disabled,
        ))
    return specs
