"""Raw MCP JSON-RPC captures, one message per line: `tools/call` requests become tool calls.

Both protocol styles: session-based (an `initialize` exchange first; the server names itself in
`serverInfo`) and the 2026-07-28 per-request style (everything in `params._meta`, the server in the
response's `_meta` serverInfo). A capture names no agent or user: those hops stay NULL, which is the
truth the audit gate must see. Responses are joined to requests by id, in SQL, for the outcome;
the trace id comes from `_meta.traceparent`.
"""

from __future__ import annotations

from pathlib import Path

from mcp_clearance.pipelines.audit._lines import first_json_object, read_json_lines
from mcp_clearance.pipelines.base import LoadContext

FORMAT = "jsonrpc"


def detect(path: Path, head: str) -> bool:
    doc = first_json_object(head)
    return doc is not None and doc.get("jsonrpc") == "2.0"


def load(ctx: LoadContext, path: Path) -> int:
    read_json_lines(ctx, path)
    source = ctx.relative(path)
    # the file name's server segment when the capture never names it: <system>.<server>.<style>.jsonl,
    # <server>.<style>.jsonl or <server>.jsonl (with or without .gz)
    parts = path.name.removesuffix(".gz").removesuffix(".jsonl").removesuffix(".json").split(".")
    fallback_server = parts[1] if len(parts) >= 3 else parts[0]
    before = ctx.con.execute("SELECT count(*) FROM tool_calls").fetchone()[0]
    ctx.con.execute(
        """
        INSERT INTO tool_calls (event_id, occurred_at, source_format, server_name, tool_name, agent_identity,
                                delegated_user, delegation_chain, target_resource, policy_decision, trace_id,
                                correlation_id, outcome, source_file, source_line, mcp_method, error_code)
        WITH msgs AS (
            -- a session capture restarts request ids in every session: each `initialize` opens a new one, and a
            -- response answers the request with its id in the same session
            SELECT line_no, doc, doc->>'id' AS id, doc->>'method' AS method,
                   count(*) FILTER (WHERE doc->>'method' = 'initialize') OVER (ORDER BY line_no) AS session
            FROM audit_lines
        ),
        server AS (
            SELECT coalesce(any_value(doc->>'$.result.serverInfo.name'),
                            any_value(doc->>'$.result._meta."io.modelcontextprotocol/serverInfo".name')) AS name
            FROM msgs WHERE method IS NULL
        ),
        responses AS (
            SELECT session, id, any_value(CASE WHEN (doc->'error') IS NOT NULL THEN 'error'
                                      WHEN try_cast(doc->>'$.result.isError' AS BOOLEAN) THEN 'failure'
                                      ELSE 'success' END) AS outcome,
                   any_value(doc->>'$.error.code') AS error_code
            FROM msgs WHERE method IS NULL AND id IS NOT NULL GROUP BY session, id
        )
        SELECT
            ? || ':' || m.line_no,
            NULL,
            'jsonrpc',
            coalesce((SELECT name FROM server), ?),
            m.doc->>'$.params.name',
            NULL,
            NULL,
            NULL,
            NULL,
            NULL,
            nullif(split_part(m.doc->>'$.params._meta.traceparent', '-', 2), ''),
            m.id,
            r.outcome,
            ?,
            m.line_no,
            'tools/call',
            r.error_code
        FROM msgs AS m LEFT JOIN responses AS r USING (session, id)
        WHERE m.method = 'tools/call'
        """,
        [source, fallback_server, source],
    )
    ctx.con.execute("DROP TABLE audit_lines")
    return int(ctx.con.execute("SELECT count(*) FROM tool_calls").fetchone()[0] - before)
