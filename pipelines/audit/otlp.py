"""OpenTelemetry traces in OTLP JSON (one ExportTraceServiceRequest per line, or one document).

Attribute names follow the MCP and GenAI semantic conventions (open-telemetry/semantic-conventions-genai,
model/mcp and model/gen-ai). Under them the agent (`gen_ai.agent.id` / `.name`) sits on the `invoke_agent`
span and the user (`enduser.id` / `user.id`) on an ancestor span, while the tool span carries neither: each
tool call is attributed from its own span and its ancestors in the same trace, walked up `parentSpanId` with
a recursive CTE. The client's and the server's span of one call (and a GenAI `execute_tool` span around them)
become one row. Everything is set-based SQL over the file's spans; no Python runs per span.
"""

from __future__ import annotations

from pathlib import Path

from mcp_clearance.pipelines.audit._lines import (
    first_json_line,
    first_json_object,
    head_json_objects,
    policy_decision,
    read_json_lines,
)
from mcp_clearance.pipelines.base import LoadContext, read_text

FORMAT = "otlp"

MAX_DEPTH = 64  # ancestors walked per tool call; a longer (or cyclic) parent chain is cut there
MAX_START_NS = 9_223_372_036_854_775_807  # a larger startTimeUnixNano is not a time


def detect(path: Path, head: str) -> bool:
    doc = first_json_object(head)
    if doc is not None:
        return "resourceSpans" in doc
    if "".join(head[:60].split()).startswith('{"resourceSpans"'):  # a pretty-printed export
        return True
    # a cut or corrupt first line: the export requests after it still say what the file is
    return any("resourceSpans" in d for d in head_json_objects(head))


def load(ctx: LoadContext, path: Path) -> int:
    # pretty-printers (jq, json.dumps(indent=...), Go's MarshalIndent) put the opening brace alone on the first
    # line; a compact line of any length is JSON lines
    if first_json_line(read_text(path, 4096)) == "{":
        # one (or several concatenated) indented ExportTraceServiceRequest documents: DuckDB's JSON reader
        # takes them whole; their spans have no line of their own, so source_line stays NULL
        ctx.con.execute("CREATE TEMP TABLE audit_lines AS SELECT NULL::BIGINT AS line_no, json AS doc "
                        "FROM read_json_objects(?, format = 'auto', maximum_object_size = 1073741824)", [str(path)])
    else:
        read_json_lines(ctx, path)
    try:
        _stage_spans(ctx, path)
        return _insert_calls(ctx, ctx.relative(path))
    finally:
        for table in ("audit_lines", "otlp_raw", "otlp_spans", "otlp_bad"):
            ctx.con.execute(f"DROP TABLE IF EXISTS {table}")


# The part of an ExportTraceServiceRequest that is read, as DuckDB types: each line is parsed once into this
# (json_transform is lenient: a value of the wrong JSON type reads as NULL, a number as its text).
_SCALAR_TYPE = '"stringValue": "VARCHAR", "intValue": "VARCHAR", "doubleValue": "VARCHAR", "boolValue": "VARCHAR"'
_ATTRIBUTE_TYPE = ('{"key": "VARCHAR", "value": {' + _SCALAR_TYPE + ', "arrayValue": {"values": [{' + _SCALAR_TYPE
                   + '}]}}}')
_SPAN_TYPE = ('{"traceId": "VARCHAR", "spanId": "VARCHAR", "parentSpanId": "VARCHAR", "name": "VARCHAR", '
              '"kind": "VARCHAR", "startTimeUnixNano": "VARCHAR", "status": {"code": "VARCHAR"}, '
              '"attributes": [' + _ATTRIBUTE_TYPE + ']}')
_REQUEST_TYPE = ('{"resourceSpans": [{"resource": {"attributes": [{"key": "VARCHAR", "value": {"stringValue": '
                 '"VARCHAR"}}]}, "scopeSpans": [{"spans": [' + _SPAN_TYPE + ']}]}]}')

# An attribute's AnyValue as text: stringValue, intValue (a decimal string in OTLP JSON, a number from some
# exporters), doubleValue, boolValue, or an arrayValue holding exactly one scalar (a single-valued column
# cannot take a list of several). kvlistValue and bytesValue read as NULL.
_SCALAR = "coalesce({v}.stringValue, {v}.intValue, {v}.doubleValue, {v}.boolValue)"
_ANY_VALUE = ("CASE WHEN a.value.arrayValue.values IS NOT NULL THEN CASE WHEN len(a.value.arrayValue.values) = 1 "
              "THEN " + _SCALAR.format(v="a.value.arrayValue.values[1]") + " END "
              "ELSE " + _SCALAR.format(v="a.value") + " END")
_START_OK = "try_cast({v} AS HUGEINT) BETWEEN 0 AND " + str(MAX_START_NS)


def _stage_spans(ctx: LoadContext, path: Path) -> None:
    """Table `otlp_spans`: one row per valid span with its attributes pivoted; bad records are quarantined.

    A record whose structure is wrong (a level that is not an array, a span that is not an object, attributes
    that are not an array) or whose `startTimeUnixNano` is not an integer is quarantined alone, with its line
    and the field's name. Each line is parsed once; only lines whose typed reading shows a gap are looked at
    again, as JSON, to name the field.
    """
    con = ctx.con
    con.execute(
        f"""
        CREATE TEMP TABLE otlp_raw AS
        WITH requests AS (
            SELECT line_no, from_json(doc, '{_REQUEST_TYPE}') AS req FROM audit_lines
        ),
        resources AS (
            SELECT line_no, req.resourceSpans IS NULL AS gap, unnest(coalesce(req.resourceSpans, [NULL])) AS r
            FROM requests
        ),
        scopes AS (
            SELECT line_no, gap OR r.scopeSpans IS NULL AS gap,
                   list_filter(coalesce(r.resource.attributes, []), lambda a: a.key = 'service.name')[1]
                       .value.stringValue AS service,
                   unnest(coalesce(r.scopeSpans, [NULL])) AS s
            FROM resources
        )
        SELECT line_no, service, gap OR s.spans IS NULL AS gap, unnest(coalesce(s.spans, [NULL])) AS sp FROM scopes
        """
    )
    # a span that is not an object reads as all-NULL; attributes that are not an array read as NULL
    suspicious = (f"gap OR sp IS NULL OR sp.attributes IS NULL OR (sp.startTimeUnixNano IS NOT NULL "
                  f"AND NOT coalesce({_START_OK.format(v='sp.startTimeUnixNano')}, false))")
    con.execute(
        f"""
        CREATE TEMP TABLE otlp_bad AS
        WITH suspect AS (
            SELECT * FROM audit_lines
            WHERE line_no IN (SELECT line_no FROM otlp_raw WHERE {suspicious})
               OR (line_no IS NULL AND EXISTS (SELECT 1 FROM otlp_raw WHERE line_no IS NULL AND ({suspicious})))
        ),
        rs AS (
            SELECT line_no, unnest(from_json(doc->'resourceSpans', '["JSON"]')) AS r
            FROM suspect WHERE json_type(doc->'resourceSpans') = 'ARRAY'
        ),
        ss AS (
            SELECT line_no, unnest(from_json(r->'scopeSpans', '["JSON"]')) AS s
            FROM rs WHERE json_type(r->'scopeSpans') = 'ARRAY'
        ),
        sp AS (
            SELECT line_no, unnest(from_json(s->'spans', '["JSON"]')) AS sp
            FROM ss WHERE json_type(s->'spans') = 'ARRAY'
        )
        SELECT line_no, 'resourceSpans' AS field FROM suspect
        WHERE json_type(doc->'resourceSpans') IS DISTINCT FROM 'ARRAY'
        UNION ALL SELECT line_no, 'scopeSpans' FROM rs WHERE json_type(r->'scopeSpans') NOT IN ('ARRAY', 'NULL')
        UNION ALL SELECT line_no, 'spans' FROM ss WHERE json_type(s->'spans') NOT IN ('ARRAY', 'NULL')
        UNION ALL SELECT line_no, 'span' FROM sp WHERE json_type(sp) <> 'OBJECT'
        UNION ALL SELECT line_no, 'attributes' FROM sp
            WHERE json_type(sp) = 'OBJECT' AND json_type(sp->'attributes') NOT IN ('ARRAY', 'NULL')
        UNION ALL SELECT line_no, 'startTimeUnixNano' FROM sp
            WHERE json_type(sp) = 'OBJECT' AND (sp->'startTimeUnixNano') IS NOT NULL
              AND NOT coalesce({_START_OK.format(v="(sp->>'startTimeUnixNano')")}, false)
        """
    )
    for line_no, field in con.execute("SELECT line_no, field FROM otlp_bad ORDER BY line_no, field").fetchall():
        what = "an array" if field in ("resourceSpans", "scopeSpans", "spans", "attributes") else (
            "an object" if field == "span" else "an integer number of nanoseconds")
        ctx.quarantine(path, "audit", f"`{field}` is not {what}", None if line_no is None else int(line_no))
    con.execute(
        f"""
        CREATE TEMP TABLE otlp_spans AS
        WITH attrs AS (
            SELECT line_no, service, sp,
                   list_transform(sp.attributes, lambda a: {{'k': a.key, 'v': {_ANY_VALUE}}}) AS kv
            FROM otlp_raw
            -- spans without attributes are neither calls nor ancestors that name anyone
            WHERE sp.attributes IS NOT NULL
              AND (sp.startTimeUnixNano IS NULL OR {_START_OK.format(v="sp.startTimeUnixNano")})
        ),
        pivoted AS (
            -- a key repeated in one span keeps its first value (a map cannot hold it twice)
            SELECT line_no, service, sp,
                   map_from_entries(list_filter(kv, lambda e, i: e.k IS NOT NULL
                       AND list_position(list_transform(kv, lambda x: x.k), e.k) = i)) AS m
            FROM attrs
        )
        SELECT line_no, service, m,
               sp.traceId AS trace_id, sp.spanId AS span_id, nullif(sp.parentSpanId, '') AS parent_id,
               sp.name AS span_name,
               -- enums are integers in OTLP JSON; some exporters write the enum's name
               CASE sp.kind WHEN '1' THEN 'internal' WHEN 'SPAN_KIND_INTERNAL' THEN 'internal'
                            WHEN '2' THEN 'server' WHEN 'SPAN_KIND_SERVER' THEN 'server'
                            WHEN '3' THEN 'client' WHEN 'SPAN_KIND_CLIENT' THEN 'client'
                            WHEN '4' THEN 'producer' WHEN 'SPAN_KIND_PRODUCER' THEN 'producer'
                            WHEN '5' THEN 'consumer' WHEN 'SPAN_KIND_CONSUMER' THEN 'consumer' END AS kind,
               try_cast(sp.startTimeUnixNano AS HUGEINT) AS start_ns,
               coalesce(sp.status.code IN ('2', 'STATUS_CODE_ERROR'), false) AS status_error,
               m['mcp.method.name'] = 'tools/call' OR m['gen_ai.operation.name'] = 'execute_tool' AS is_call,
               m['gen_ai.operation.name'] = 'invoke_agent' AS is_agent
        FROM pivoted
        """
    )


# JSON-RPC codes the conventions list as the caller's fault (the server could not serve the request): the call
# failed, but nothing broke. error.type `tool_error` is a CallToolResult with isError.
_CLIENT_FAULT_CODES = "('-32700', '-32600', '-32601', '-32602', '-32002', 'tool_error')"


def _insert_calls(ctx: LoadContext, source: str) -> int:
    con = ctx.con
    before = con.execute("SELECT count(*) FROM tool_calls").fetchone()[0]
    con.execute(
        f"""
        INSERT INTO tool_calls (event_id, occurred_at, source_format, server_name, tool_name, agent_identity,
                                delegated_user, delegation_chain, target_resource, policy_decision, trace_id,
                                correlation_id, outcome, source_file, source_line, mcp_method, error_code)
        WITH RECURSIVE
        nodes AS (
            -- one node per (trace, span id): a duplicated span id must not multiply the walk
            SELECT trace_id, span_id, any_value(parent_id) AS parent_id, bool_or(is_call) AS is_call,
                   bool_or(coalesce(is_agent, false)) AS is_agent,
                   any_value(coalesce(m['gen_ai.agent.id'], m['gen_ai.agent.name'])) AS agent,
                   any_value(coalesce(m['enduser.id'], m['user.id'])) AS user_id,
                   any_value(coalesce(m['gen_ai.tool.name'], nullif(
                       regexp_extract(span_name, '^(?:tools/call|execute_tool) (.+)$', 1), ''))) AS tool
            FROM otlp_spans WHERE span_id IS NOT NULL GROUP BY trace_id, span_id
        ),
        calls AS (
            SELECT row_number() OVER () AS call_no, s.*,
                   coalesce(m['gen_ai.tool.name'],
                            nullif(regexp_extract(span_name, '^(?:tools/call|execute_tool) (.+)$', 1), '')) AS tool
            FROM otlp_spans AS s WHERE is_call
        ),
        up AS (
            -- the call's own span at depth 0, then each ancestor; `agent_between` says an invoke_agent span lies
            -- strictly between the call and this ancestor (then the ancestor's tool call is another call)
            SELECT c.call_no, c.trace_id, c.parent_id, 0 AS depth, false AS agent_between, false AS node_is_agent,
                   false AS node_is_call, c.tool AS node_tool, c.span_id AS node_span,
                   coalesce(c.m['gen_ai.agent.id'], c.m['gen_ai.agent.name']) AS agent,
                   coalesce(c.m['enduser.id'], c.m['user.id']) AS user_id
            FROM calls AS c
            UNION ALL
            SELECT u.call_no, u.trace_id, n.parent_id, u.depth + 1, u.agent_between OR u.node_is_agent, n.is_agent,
                   n.is_call, n.tool, n.span_id, n.agent, n.user_id
            FROM up AS u JOIN nodes AS n ON n.trace_id = u.trace_id AND n.span_id = u.parent_id
            WHERE u.depth < {MAX_DEPTH}
        ),
        attributed AS (
            SELECT c.call_no,
                   arg_min(u.agent, u.depth) FILTER (WHERE u.agent IS NOT NULL) AS agent,
                   min(u.depth) FILTER (WHERE u.agent IS NOT NULL) AS agent_depth,
                   arg_min(u.user_id, u.depth) FILTER (WHERE u.user_id IS NOT NULL) AS user_id,
                   min(u.depth) FILTER (WHERE u.user_id IS NOT NULL) AS user_depth,
                   -- the outermost tool-call span above this one, within the same agent, for the same tool
                   coalesce(arg_max(u.node_span, u.depth) FILTER (
                       WHERE u.depth > 0 AND u.node_is_call AND NOT u.agent_between
                         AND (u.node_tool IS NULL OR c.tool IS NULL OR u.node_tool = c.tool)),
                       c.span_id, c.call_no::VARCHAR) AS root_span
            FROM calls AS c JOIN up AS u USING (call_no)
            GROUP BY c.call_no, c.span_id, c.tool
        ),
        spans AS (
            SELECT c.*, a.agent, a.agent_depth, a.user_id, a.user_depth, a.root_span,
                   CASE WHEN m['mcp.server.name'] IS NOT NULL THEN 1 WHEN kind = 'server' THEN 2
                        WHEN m['server.address'] IS NOT NULL THEN 3 WHEN kind IS NULL THEN 4 END AS server_rank,
                   -- a client or internal span's own service is the caller, never the server
                   CASE WHEN m['mcp.server.name'] IS NOT NULL THEN m['mcp.server.name']
                        WHEN kind = 'server' THEN service
                        WHEN m['server.address'] IS NOT NULL THEN m['server.address']
                        WHEN kind IS NULL THEN service END AS server,
                   coalesce(m['rpc.response.status_code'], m['error.type']) AS error_code,
                   CASE WHEN m['rpc.response.status_code'] IS NULL AND m['error.type'] IS NULL AND NOT status_error
                             THEN 'success'
                        WHEN coalesce(m['rpc.response.status_code'], m['error.type']) IN {_CLIENT_FAULT_CODES}
                             THEN 'failure'
                        ELSE 'error' END AS span_outcome,
                   {policy_decision("coalesce(m['authz.decision'], m['policy.decision'], "
                                    "m['agent.threat.detection.action'])")} AS decision
            FROM calls AS c JOIN attributed AS a USING (call_no)
        ),
        nested AS (
            -- spans nested in one call; then calls of the same trace and tool that share the JSON-RPC request id
            -- (else the GenAI tool-call id) are the client's and the server's view of one call
            SELECT *, coalesce(trace_id, 'no trace ' || call_no) || '|' || coalesce(tool, '') || '|' || coalesce(
                          'r:' || min(m['jsonrpc.request.id']) OVER (PARTITION BY trace_id, root_span),
                          'c:' || min(m['gen_ai.tool.call.id']) OVER (PARTITION BY trace_id, root_span),
                          's:' || root_span) AS call_key
            FROM spans
        )
        SELECT
            coalesce(any_value(trace_id), '') || ':'
                || arg_min(coalesce(span_id, line_no::VARCHAR), coalesce(start_ns, {MAX_START_NS} + 1)),
            make_timestamp((min(start_ns) // 1000)::BIGINT),
            'otlp',
            arg_min(server, server_rank) FILTER (WHERE server IS NOT NULL),
            any_value(tool),
            arg_min(agent, agent_depth) FILTER (WHERE agent IS NOT NULL),
            arg_min(user_id, user_depth) FILTER (WHERE user_id IS NOT NULL),
            NULL,
            any_value(m['mcp.resource.uri']),
            CASE WHEN bool_or(decision = 'deny') THEN 'deny' ELSE any_value(decision) END,
            any_value(trace_id),
            coalesce(any_value(m['mcp.session.id']), any_value(m['jsonrpc.request.id'])),
            CASE WHEN bool_or(span_outcome = 'error') THEN 'error'
                 WHEN bool_or(span_outcome = 'failure') THEN 'failure' ELSE 'success' END,
            ?,
            arg_min(line_no, coalesce(start_ns, {MAX_START_NS} + 1)),
            any_value(m['mcp.method.name']),
            any_value(error_code)
        FROM nested
        GROUP BY call_key
        """,
        [source],
    )
    return int(con.execute("SELECT count(*) FROM tool_calls").fetchone()[0] - before)
