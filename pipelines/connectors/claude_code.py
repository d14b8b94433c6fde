"""Claude Code: project `.mcp.json`, the user file `~/.claude.json`, and `managed-mcp.json`.

    .mcp.json      {"mcpServers": {"jira": {"type": "http", "url": "${JIRA_MCP_URL:-https://jira.example/mcp}",
                                            "headers": {"Authorization": "Bearer ${JIRA_TOKEN}"}}}}
    ~/.claude.json {"mcpServers": {...},                                   user scope
                    "projects": {"/Users/alice/src/payments-api": {
                        "mcpServers": {...},                               local scope
                        "enabledMcpjsonServers": ["jira"], "disabledMcpjsonServers": ["pg-admin"]}}}

Detection (passes in `_common`): content - a top-level `projects` object (only the user file has
one); name - `.mcp.json`, `.claude.json` or `managed-mcp.json` (Cursor, Windsurf and Copilot also
read a root `.mcp.json`, but their own keys win in the content pass); fallback (PRIORITY 80: after
Cursor's `${env:` and Cline's `timeout`, before Desktop) - an `mcpServers` object in which some
server declares `type`, `url`, `headers` or `oauth`, the `.mcp.json` shape.

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
    base_spec,
    build_each,
    identify,
    kind_of,
    read_document,
    store,
    str_list,
    string_leaves,
)

FORMAT = "claude_code"
PRIORITY = 80
USER_FILE = ".claude.json"
MANAGED_FILE = "managed-mcp.json"


def content_match(doc: Document) -> bool:
    return isinstance(doc.top.get("projects"), dict) if doc.parsed else doc.mentions("projects")


def name_match(path: Path) -> bool:
    return path.name in (".mcp.json", USER_FILE, MANAGED_FILE)


def fallback_match(doc: Document) -> bool:
    return doc.entry_has("type", "url", "headers", "oauth")


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    doc = read_document(path)
    if "projects" in doc.top or path.name == USER_FILE:
        specs = _user_file(ctx, path, doc)
    else:
        scope = "managed" if path.name == MANAGED_FILE else "project"
        approval = "pending" if scope == "project" else None
        specs = build_each(ctx, path, doc.items("mcpServers"), partial(_server, scope=scope, approval=approval))
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
    specs = build_each(ctx, path, doc.items("mcpServers"), partial(_server, scope="user"))
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
