"""Tool listings: `ESTATE/tool_listings/<server>.json`, one MCP `tools/list` result per server.

A file holds the JSON-RPC response (`{"jsonrpc": "2.0", "id": 2, "result": {"tools": [...]}}`) or
the bare result (`{"tools": [...]}`); the file stem names the server (`ledger-db.json` →
`ledger-db`), matching `server_name` in connector configs. Each tool becomes a `tools` row.

Annotation hints are stored as declared: NULL means the server did not say, and the views apply
the MCP defaults (readOnlyHint false, destructiveHint true, idempotentHint false, openWorldHint
true). A hint that is not a boolean counts as not declared. Titles and descriptions come from the
server and pass through the secret scanner's redaction like every other stored text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import BadRecord, LoadContext, estate_files, read_text
from mcp_clearance.safe_load import DocumentError, loads_json

FAMILY = "tool_listings"
FORMAT = "mcp_tools_list"
HINTS = {
    "read_only_hint": "readOnlyHint",
    "destructive_hint": "destructiveHint",
    "idempotent_hint": "idempotentHint",
    "open_world_hint": "openWorldHint",
}
_TOOLS_ARRAY = re.compile(r'"tools"\s*:\s*\[')


def load(ctx: LoadContext, folder: Path) -> None:
    """Load every listing under `folder`; bad files and bad tools are quarantined.

    The tools of all listings are inserted in one statement: a statement per file cost ~10 ms each, seconds on an
    estate of hundreds of servers."""
    rows: list[dict[str, Any]] = []
    for path in estate_files(folder, ctx, FAMILY):
        if ctx.on_file is not None:
            ctx.on_file(FAMILY, path)
        before = len(ctx.quarantined)
        loaded, fmt = 0, None
        try:
            if path.suffix != ".json":
                raise BadRecord("not a tools/list JSON file (expected <server>.json)")
            text = read_text(path)
            tools = _tools(json_document(text))
            fmt = FORMAT
            listed = _rows(ctx, path, text, tools)
            rows += listed
            loaded = len(listed)
        except BadRecord as exc:
            ctx.quarantine(path, FAMILY, exc.reason, exc.line)
        ctx.record_source(path, FAMILY, fmt, loaded, len(ctx.quarantined) - before)
    ctx.insert_rows("tools", rows)


def json_document(text: str) -> Any:
    try:
        return loads_json(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:  # exc.msg names the problem, never the content
        raise BadRecord(f"JSON syntax error: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except DocumentError as exc:  # nesting or integer length over the limits
        raise BadRecord(exc.reason, exc.line) from None


def _tools(document: Any) -> list[Any]:
    if not isinstance(document, dict):
        raise BadRecord("expected a tools/list response object")
    if "error" in document and "result" not in document:
        raise BadRecord("JSON-RPC error response: no tools listed")
    result = document.get("result", document)
    tools = result.get("tools") if isinstance(result, dict) else None
    if not isinstance(tools, list):
        raise BadRecord("no `tools` list (expected result.tools or a bare tools/list result)")
    return tools


def _rows(ctx: LoadContext, path: Path, text: str, tools: list[Any]) -> list[dict[str, Any]]:
    source = ctx.relative(path)
    lines = _item_lines(text, len(tools))
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, tool in enumerate(tools):
        problem = _problem(tool, seen)
        if problem:
            ctx.quarantine(path, FAMILY, f"tools[{i}]: {problem}", lines[i])
            continue
        seen.add(tool["name"])
        annotations = tool.get("annotations") if isinstance(tool.get("annotations"), dict) else {}
        title = tool.get("title") if isinstance(tool.get("title"), str) else annotations.get("title")
        description = tool.get("description")
        rows.append({
            "server_name": ctx.scanner.redact_path(path.stem),  # a token as a file name is redacted
            "tool_name": tool["name"],
            "title": ctx.scanner.redact_text(title) if isinstance(title, str) else None,
            "description": ctx.scanner.redact_text(description) if isinstance(description, str) else None,
            **{column: _hint(annotations.get(key)) for column, key in HINTS.items()},
            "input_arguments": _arguments(tool.get("inputSchema")),
            "source_file": source,
        })
    return rows


def _problem(tool: Any, seen: set[str]) -> str | None:
    if not isinstance(tool, dict):
        return "a tool must be an object"
    name = tool.get("name")
    if not isinstance(name, str) or not name.strip():
        return "tool has no `name`"
    return "duplicate tool name in this listing" if name in seen else None


def _arguments(schema: Any) -> list[str] | None:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return sorted(str(name) for name in properties) if isinstance(properties, dict) else None


def _hint(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _item_lines(text: str, count: int) -> list[int | None]:
    """Line where each element of the first `"tools": [` array starts (None if it cannot be followed)."""
    match = _TOOLS_ARRAY.search(text)
    if match is None:
        return [None] * count
    decoder, pos, lines = json.JSONDecoder(), match.end(), []
    try:
        for _ in range(count):
            pos = _skip(text, pos)
            lines.append(text.count("\n", 0, pos) + 1)
            _, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, pos)
    except json.JSONDecodeError:
        return [None] * count
    return lines


def _skip(text: str, pos: int) -> int:
    """Past whitespace and one separating comma."""
    while pos < len(text) and text[pos] in " \t\r\n,":
        pos += 1
    return pos
