"""Continue: `~/.continue/config.yaml` and block files `.continue/mcpServers/*.yaml`.

    # .continue/mcpServers/github.yaml (a block file: name, version, schema v1)
    name: GitHub MCP
    version: 0.0.1
    schema: v1
    mcpServers:
      - name: github
        command: npx
        args: ["-y", "@modelcontextprotocol/server-github@2025.4.8"]
        env:
          GITHUB_PERSONAL_ACCESS_TOKEN: ${{ secrets.GITHUB_PERSONAL_ACCESS_TOKEN }}
      - name: docs
        type: streamable-http
        url: https://docs.example.com/mcp
        requestOptions:
          headers: {Authorization: "Bearer ${{ secrets.DOCS_TOKEN }}"}

(The module is `continue_dev` because `continue` is a Python keyword; FORMAT is "continue".)

Detection: the documented locations in `PATHS` and the weighted `content_signals` below,
scored against every other client in `_common.detect_client`.

`mcpServers` is a list of servers named by `name`; an object keyed by name (the JSON form) is
read too. Headers come from `requestOptions.headers`; `${{ secrets.X }}` values are references.
A hub reference (`- uses: owner/block` with `with: {...}`) keeps the slug as its name, transport
unknown, and each `with` value as a `setting` value. Transport: `type` (stdio | sse |
streamable-http), else command → stdio, url → http. Scope: block for a file under an
`mcpServers/` folder (config.yaml carries name, version and schema too), else user.
"""

from __future__ import annotations

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
    in_folder,
    kind_of,
    read_document,
    store,
    string_leaves,
    top_key_signals,
)

FORMAT = "continue"
PRIORITY = 10
SYNTAXES = ("yaml", "json")
PATHS = ((".continue/config.yaml", 60), (".continue/mcpServers/*.yaml", 60), (".continue/mcpServers/*.yml", 60),
         (".continue/mcpServers/*.json", 60), (".continue/*", 20), (".continue/*/*", 20))


def content_signals(doc: Document) -> list[Signal]:
    if doc.syntax == "yaml":  # no other client writes YAML
        signals = top_key_signals(doc, {"mcpServers": 50})
        if doc.top.get("schema") == "v1":  # config.yaml and every block file declare it
            signals.append(Signal(10, "schema v1"))
        return signals
    if isinstance(doc.top.get("mcpServers"), list):
        return [Signal(40, "mcpServers list")]
    return generic_servers(doc)


def detect(path: Path, head: str) -> bool:
    return identify(path, head) == FORMAT


def load(ctx: LoadContext, path: Path) -> int:
    doc = read_document(path)
    scope = "block" if in_folder(path, "mcpServers") else "user"  # config.yaml has name/version/schema too

    def server(name: str, entry: Any, line: int | None) -> ServerSpec:
        if not isinstance(entry, dict):  # the JSON object form: name -> definition
            raise BadRecord(f"server definition must be an object, not {kind_of(entry)}")
        options = entry.get("requestOptions")
        if options is not None and not isinstance(options, dict):
            raise BadRecord(f"`requestOptions` must be an object, not {kind_of(options)}")
        if options and "headers" in options:  # YAML keeps headers in requestOptions; copied JSON at the top
            entry = {**entry, "headers": options["headers"]}
        spec = base_spec(name, entry, line, scope)
        inputs = entry.get("with")
        if inputs is not None and not isinstance(inputs, dict):
            raise BadRecord(f"`with` must be an object, not {kind_of(inputs)}")
        spec.extra = [("setting", key, value) for key, value in string_leaves(inputs or {})]
        return spec

    return store(ctx, path, FORMAT, build_each(ctx, path, _items(ctx, path, doc), server))


def _items(ctx: LoadContext, path: Path, doc: Document) -> list[tuple[str, Any, int | None]]:
    """(name, definition, line) per server; an item without a name is quarantined here."""
    servers = doc.top.get("mcpServers")
    if servers is None or isinstance(servers, dict):
        return doc.items("mcpServers")
    if not isinstance(servers, list):
        raise BadRecord(f"`mcpServers` must be a list, not {kind_of(servers)}", doc.line("mcpServers"))
    items = []
    for i, entry in enumerate(servers):
        key = next((k for k in ("name", "uses") if isinstance(entry, dict) and isinstance(entry.get(k), str)), None)
        if key is None:
            problem = "has no `name`" if isinstance(entry, dict) else f"must be an object, not {kind_of(entry)}"
            ctx.quarantine(path, FAMILY, f"mcpServers[{i}]: server definition {problem}", doc.line("mcpServers"))
        else:
            items.append((entry[key], entry, doc.line("mcpServers", (key, entry[key]))))
    return items
