"""Raw MCP JSON-RPC captures, one message per line: `tools/call` requests become tool calls.

Both protocol styles: session-based (an `initialize` exchange first; the server names itself in
`serverInfo`) and the 2026-07-28 per-request style (everything in `params._meta`, the server in the
response's `_meta` serverInfo). A capture names no agent or user: those hops stay NULL, which is the
truth the audit gate must see. Responses are joined to requests by id, in SQL, for the outcome;
the trace id comes from `_meta.traceparent`.
"""

from __future__ import annotations

from pathlib import Path

from mcp_clearance.pipelines.audit._lines import (
    BLANK,
    LINES,
    drop_work_tables,
    first_json_object,
    line_problem,
    parsed,
    quarantine_surveyed,
    register_files,
    rows_per_file,
    set_first_lines,
)
from mcp_clearance.pipelines.base import LoadContext

FORMAT = "jsonrpc"

# The fields read, as DuckDB types: each line is parsed once into this (json_transform is lenient: a value of the
# wrong JSON type reads as NULL, a number as its text). `error` stays JSON: any error member marks a failed call.
_MESSAGE_TYPE = (
    '{"id": "VARCHAR", "method": "VARCHAR", "error": "JSON", '
    '"params": {"name": "VARCHAR", "_meta": {"traceparent": "VARCHAR"}}, '
    '"result": {"isError": "VARCHAR", "serverInfo": {"name": "VARCHAR"}, '
    '"_meta": {"io.modelcontextprotocol/serverInfo": {"name": "VARCHAR"}}}}'
)


def detect(path: Path, head: str) -> bool:
    doc = first_json_object(head)
    return doc is not None and doc.get("jsonrpc") == "2.0"


def fallback_server(path: Path) -> str:
    """The file name's server segment, for a capture that never names it: <system>.<server>.<style>.jsonl,
    <server>.<style>.jsonl or <server>.jsonl (with or without .gz)."""
    parts = path.name.removesuffix(".gz").removesuffix(".jsonl").removesuffix(".json").split(".")
    return parts[1] if len(parts) >= 3 else parts[0]


def load(ctx: LoadContext, path: Path) -> int:
    return load_many(ctx, [path])[path]


def load_many(ctx: LoadContext, paths: list[Path]) -> dict[Path, int]:
    """All captures in one reader: a survey pass (first line numbers, bad lines), then one insert of the calls."""
    con = ctx.con
    names = register_files(ctx, paths, "jsonrpc_files")
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE jsonrpc_survey AS
                SELECT filename, min(ordinality) AS first_ordinal,
                       CASE WHEN problem IS NOT NULL THEN ordinality END AS line_no, problem
                FROM (SELECT filename, ordinality,
                             CASE WHEN NOT {BLANK} AND m IS NULL THEN {line_problem("m")} END AS problem
                      FROM (SELECT filename, ordinality, line, {parsed(_MESSAGE_TYPE)} AS m FROM {LINES}))
                GROUP BY ALL""",
            [names],
        )
        set_first_lines(ctx, "jsonrpc_files", "jsonrpc_survey")
        con.execute(_INSERT, [names, names, [fallback_server(p) for p in paths]])
        quarantine_surveyed(ctx, "jsonrpc_survey", "jsonrpc_files", paths)
        return rows_per_file(ctx, "tool_calls", "jsonrpc_files", paths)
    finally:
        drop_work_tables(ctx, "jsonrpc_survey", "jsonrpc_files")


_INSERT = f"""
    INSERT INTO tool_calls (event_id, occurred_at, source_format, server_name, tool_name, agent_identity,
                            delegated_user, delegation_chain, target_resource, policy_decision, trace_id,
                            correlation_id, outcome, source_file, source_line, mcp_method, error_code)
    WITH msgs AS (
        -- a session capture restarts request ids in every session: each `initialize` opens a new one, and a
        -- response answers the request with its id in the same session
        SELECT filename, ordinality, m, m.id AS id, m.method AS method,
               count(*) FILTER (WHERE m.method = 'initialize') OVER (PARTITION BY filename ORDER BY ordinality)
                   AS session
        FROM (SELECT filename, ordinality, {parsed(_MESSAGE_TYPE)} AS m FROM {LINES})
        WHERE m IS NOT NULL
    ),
    servers AS (
        SELECT filename, coalesce(any_value(m.result.serverInfo.name),
                                  any_value(m.result._meta."io.modelcontextprotocol/serverInfo".name)) AS name
        FROM msgs WHERE method IS NULL GROUP BY filename
    ),
    responses AS (
        SELECT filename, session, id,
               any_value(CASE WHEN m.error IS NOT NULL THEN 'error'
                              WHEN try_cast(m.result.isError AS BOOLEAN) THEN 'failure'
                              ELSE 'success' END) AS outcome,
               any_value(m.error->>'code') AS error_code
        FROM msgs WHERE method IS NULL AND id IS NOT NULL GROUP BY filename, session, id
    ),
    fallbacks AS (SELECT unnest(?::VARCHAR[]) AS filename, unnest(?::VARCHAR[]) AS fallback)
    SELECT
        f.source_file || ':' || (c.ordinality - f.first_line + 1),
        NULL,
        'jsonrpc',
        coalesce(s.name, b.fallback),
        c.m.params.name,
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        nullif(split_part(c.m.params._meta.traceparent, '-', 2), ''),
        c.id,
        r.outcome,
        f.source_file,
        c.ordinality - f.first_line + 1,
        'tools/call',
        r.error_code
    FROM msgs AS c
    JOIN jsonrpc_files AS f USING (filename)
    JOIN fallbacks AS b USING (filename)
    LEFT JOIN servers AS s USING (filename)
    LEFT JOIN responses AS r ON r.filename = c.filename AND r.session = c.session AND r.id = c.id
    WHERE c.method = 'tools/call'
"""
