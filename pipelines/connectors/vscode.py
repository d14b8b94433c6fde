"""VS Code: `.vscode/mcp.json`, the user profile's `mcp.json`, and legacy `settings.json` `mcp.servers`.

    // JSONC: comments and trailing commas are allowed
    {"inputs": [{"type": "promptString", "id": "gh-pat", "description": "GitHub PAT", "password": true}],
     "servers": {
        "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/",
                   "headers": {"Authorization": "Bearer ${input:gh-pat}"}},
        "fetch": {"type": "stdio", "command": "uvx", "args": ["mcp-server-fetch"],
                  "envFile": "${workspaceFolder}/.env"},
     }}

Detection (passes in `_common`): content (PRIORITY 10) - a JSON document with a top-level
`servers` object or `inputs` list, or an `mcp` object holding `servers` (legacy settings.json);
name - a `.vscode/` folder, or `mcp.json` in a `User/` folder.

Scope: workspace under `.vscode/`, else user. `inputs` are prompts whose answers VS Code keeps in
its secret storage, so `${input:id}` values are references and the file holds no value to load.
Transport: `type` (stdio | http | sse), else command → stdio, url → http (VS Code tries streamable
HTTP first, then SSE). `envFile` is kept as an `env_file` value.
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
    opt_str,
    read_document,
    store,
)

FORMAT = "vscode"
PRIORITY = 10


def content_match(doc: Document) -> bool:
    if doc.syntax != "json":
        return False
    if not doc.parsed:
        return doc.mentions("servers") or doc.mentions("inputs")
    legacy = doc.top.get("mcp")
    return (isinstance(doc.top.get("servers"), dict) or isinstance(doc.top.get("inputs"), list)
            or (isinstance(legacy, dict) and "servers" in legacy))


def name_match(path: Path) -> bool:
    return in_folder(path, ".vscode") or (path.name == "mcp.json" and path.parent.name == "User")


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    doc = read_document(path)
    container = ("servers",) if "servers" in doc.top else ("mcp", "servers")
    scope = "workspace" if in_folder(path, ".vscode") else "user"

    def server(name: str, entry: Any, line: int | None) -> ServerSpec:
        spec = base_spec(name, entry, line, scope)
        env_file = opt_str(entry, "envFile")
        if env_file is not None:
            spec.extra.append(("env_file", "envFile", env_file))
        return spec

    return store(ctx, path, FORMAT, build_each(ctx, path, doc.items(*container), server))
