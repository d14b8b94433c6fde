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
    BLANK,
    LINES,
    drop_work_tables,
    first_json_line,
    first_json_object,
    head_json_objects,
    line_problem,
    parsed,
    policy_decision,
    quarantine_surveyed,
    register_files,
    rows_per_file,
    set_first_lines,
)
from mcp_clearance.pipelines.base import MAX_STREAMED_FILE_BYTES, LoadContext, read_text

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


# a whole document is at most the audit file limit (check_size refused larger ones before any reader ran);
# DuckDB's JSON reader allocates buffers of about twice this, so it must not be larger than that limit
MAX_DOCUMENT_BYTES = MAX_STREAMED_FILE_BYTES["audit"]
# the attributes the calls are built from; a span's other attributes are not kept
ATTRIBUTES = ("mcp.method.name", "gen_ai.operation.name", "gen_ai.agent.id", "gen_ai.agent.name", "enduser.id",
              "user.id", "gen_ai.tool.name", "mcp.server.name", "server.address", "rpc.response.status_code",
              "error.type", "authz.decision", "policy.decision", "agent.threat.detection.action", "jsonrpc.request.id",
              "gen_ai.tool.call.id", "mcp.resource.uri", "mcp.session.id")


def load(ctx: LoadContext, path: Path) -> int:
    return load_many(ctx, [path])[path]


def load_many(ctx: LoadContext, paths: list[Path]) -> dict[Path, int]:
    """JSON-lines exports and indented documents, each kind read by one reader over all its files.

    Pretty-printers (jq, json.dumps(indent=...), Go's MarshalIndent) put the opening brace alone on the first line;
    a compact line of any length is JSON lines. A document's spans have no line of their own: source_line is NULL.
    """
    documents = [p for p in paths if first_json_line(read_text(p, 4096)) == "{"]
    lines = [p for p in paths if p not in documents]
    loaded: dict[Path, int] = {}
    for kind, files in (("documents", documents), ("lines", lines)):
        if files:
            loaded.update(_load(ctx, files, documents=kind == "documents"))
    return loaded


def _load(ctx: LoadContext, paths: list[Path], *, documents: bool) -> dict[Path, int]:
    names = register_files(ctx, paths, "otlp_files")
    try:
        _stage_spans(ctx, names, documents=documents)
        set_first_lines(ctx, "otlp_files", "otlp_spans")
        _find_bad_records(ctx, names, documents=documents)
        _insert_calls(ctx)
        quarantine_surveyed(ctx, "otlp_bad", "otlp_files", paths)
        return rows_per_file(ctx, "tool_calls", "otlp_files", paths)
    finally:
        drop_work_tables(ctx, "otlp_spans", "otlp_bad", "otlp_files")


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


def _requests(documents: bool) -> str:
    """SQL of (filename, ordinality, problem, req): every export request of the files, parsed once."""
    if documents:
        return (f"SELECT filename, NULL::BIGINT AS ordinality, NULL AS problem, "
                f"try(from_json(json, '{_REQUEST_TYPE}')) AS req "
                f"FROM read_json_objects(?::VARCHAR[], format = 'auto', maximum_object_size = {MAX_DOCUMENT_BYTES}, "
                "filename = true)")
    # a blank line is kept as a row (with no request) so that every file's first line is counted
    return (f"SELECT filename, ordinality, CASE WHEN NOT {BLANK} AND req IS NULL THEN {line_problem('req')} END "
            f"AS problem, req FROM (SELECT filename, ordinality, line, {parsed(_REQUEST_TYPE)} AS req FROM {LINES})")


def _or_one_null(items: str) -> str:
    """A list to unnest that never yields zero rows: a record keeps its row (and its line number) when empty."""
    return f"CASE WHEN len(coalesce({items}, [])) = 0 THEN [NULL] ELSE {items} END"


def _first_attribute(key: str) -> str:
    # a key repeated in one span keeps its first value
    return f"list_filter(kv, lambda x: x.k = '{key}')[1].v"


_PIVOT = "struct_pack(" + ", ".join(f'"{k}" := {_first_attribute(k)}' for k in ATTRIBUTES) + ")"


def _stage_spans(ctx: LoadContext, names: list[str], *, documents: bool) -> None:
    """Table `otlp_spans`: one row per span of every file, with the attributes it is read by pivoted, in one pass.

    A record whose structure is wrong (a level that is not an array, a span that is not an object, attributes that
    are not an array) or whose `startTimeUnixNano` is not an integer is marked `suspect`: `_find_bad_records`
    reads only those records again, as JSON, to name the field. A line that is not JSON keeps its `problem`.
    """
    con = ctx.con
    # a span that is not an object reads as all-NULL; attributes that are not an array read as NULL
    suspect = (f"gap OR sp IS NULL OR sp.attributes IS NULL OR (sp.startTimeUnixNano IS NOT NULL "
               f"AND NOT coalesce({_START_OK.format(v='sp.startTimeUnixNano')}, false))")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE otlp_spans AS
        WITH requests AS ({_requests(documents)}),
        resources AS (
            SELECT filename, ordinality, problem, req IS NOT NULL AND req.resourceSpans IS NULL AS gap,
                   unnest({_or_one_null('req.resourceSpans')}) AS r
            FROM requests
        ),
        scopes AS (
            SELECT filename, ordinality, problem, gap OR (r IS NOT NULL AND r.scopeSpans IS NULL) AS gap,
                   list_filter(coalesce(r.resource.attributes, []), lambda a: a.key = 'service.name')[1]
                       .value.stringValue AS service,
                   unnest({_or_one_null('r.scopeSpans')}) AS s, r IS NULL AS no_record
            FROM resources
        ),
        spans AS (
            SELECT filename, ordinality, problem, service, no_record,
                   gap OR (s IS NOT NULL AND s.spans IS NULL) AS gap, unnest({_or_one_null('s.spans')}) AS sp
            FROM scopes
        ),
        checked AS (
            SELECT filename, ordinality, problem, service, sp,
                   problem IS NULL AND NOT (no_record AND NOT gap) AND ({suspect}) AS suspect,
                   -- spans without attributes are neither calls nor ancestors that name anyone
                   problem IS NULL AND sp.attributes IS NOT NULL
                       AND (sp.startTimeUnixNano IS NULL OR {_START_OK.format(v="sp.startTimeUnixNano")}) AS valid
            FROM spans
        ),
        attrs AS (
            SELECT *, CASE WHEN valid THEN list_transform(sp.attributes, lambda a: {{'k': a.key, 'v': {_ANY_VALUE}}})
                      END AS kv
            FROM checked
        )
        SELECT filename, ordinality AS first_ordinal, ordinality, problem, suspect, valid, service,
               CASE WHEN valid THEN {_PIVOT} END AS m,
               sp.traceId AS trace_id, sp.spanId AS span_id, nullif(sp.parentSpanId, '') AS parent_id,
               sp.name AS span_name,
               -- enums are integers in OTLP JSON; some exporters write the enum's name
               CASE sp.kind WHEN '1' THEN 'internal' WHEN 'SPAN_KIND_INTERNAL' THEN 'internal'
                            WHEN '2' THEN 'server' WHEN 'SPAN_KIND_SERVER' THEN 'server'
                            WHEN '3' THEN 'client' WHEN 'SPAN_KIND_CLIENT' THEN 'client'
                            WHEN '4' THEN 'producer' WHEN 'SPAN_KIND_PRODUCER' THEN 'producer'
                            WHEN '5' THEN 'consumer' WHEN 'SPAN_KIND_CONSUMER' THEN 'consumer' END AS kind,
               try_cast(sp.startTimeUnixNano AS HUGEINT) AS start_ns,
               coalesce(sp.status.code IN ('2', 'STATUS_CODE_ERROR'), false) AS status_error
        FROM attrs
        """,
        [names],
    )


def _find_bad_records(ctx: LoadContext, names: list[str], *, documents: bool) -> None:
    """Table `otlp_bad`: lines that are not JSON, and the bad field of each suspect record (read again, alone)."""
    con = ctx.con
    con.execute("CREATE OR REPLACE TEMP TABLE otlp_bad AS SELECT DISTINCT filename, ordinality AS line_no, problem "
                "FROM otlp_spans WHERE problem IS NOT NULL")
    suspects = con.execute("SELECT DISTINCT filename, ordinality FROM otlp_spans WHERE suspect").fetchall()
    if suspects:
        if documents:
            lines = (f"SELECT filename, NULL::BIGINT AS ordinality, json AS doc FROM read_json_objects(?::VARCHAR[], "
                     f"format = 'auto', maximum_object_size = {MAX_DOCUMENT_BYTES}, filename = true)")
        else:
            lines = f"SELECT filename, ordinality, line AS doc FROM {LINES}"  # cast to JSON once it is a suspect
        con.execute(
            f"""
            INSERT INTO otlp_bad
            WITH suspect AS (
                SELECT l.filename, l.ordinality, l.doc::JSON AS doc FROM ({lines}) AS l
                SEMI JOIN (SELECT DISTINCT filename, ordinality FROM otlp_spans WHERE suspect) AS s
                     ON s.filename = l.filename AND s.ordinality IS NOT DISTINCT FROM l.ordinality
            ),
            rs AS (
                SELECT filename, ordinality, unnest(from_json(doc->'resourceSpans', '["JSON"]')) AS r
                FROM suspect WHERE json_type(doc->'resourceSpans') = 'ARRAY'
            ),
            ss AS (
                SELECT filename, ordinality, unnest(from_json(r->'scopeSpans', '["JSON"]')) AS s
                FROM rs WHERE json_type(r->'scopeSpans') = 'ARRAY'
            ),
            sp AS (
                SELECT filename, ordinality, unnest(from_json(s->'spans', '["JSON"]')) AS sp
                FROM ss WHERE json_type(s->'spans') = 'ARRAY'
            ),
            fields AS (
                SELECT filename, ordinality, 'resourceSpans' AS field FROM suspect
                WHERE json_type(doc->'resourceSpans') IS DISTINCT FROM 'ARRAY'
                UNION ALL SELECT filename, ordinality, 'scopeSpans' FROM rs
                    WHERE json_type(r->'scopeSpans') NOT IN ('ARRAY', 'NULL')
                UNION ALL SELECT filename, ordinality, 'spans' FROM ss
                    WHERE json_type(s->'spans') NOT IN ('ARRAY', 'NULL')
                UNION ALL SELECT filename, ordinality, 'span' FROM sp WHERE json_type(sp) <> 'OBJECT'
                UNION ALL SELECT filename, ordinality, 'attributes' FROM sp
                    WHERE json_type(sp) = 'OBJECT' AND json_type(sp->'attributes') NOT IN ('ARRAY', 'NULL')
                UNION ALL SELECT filename, ordinality, 'startTimeUnixNano' FROM sp
                    WHERE json_type(sp) = 'OBJECT' AND (sp->'startTimeUnixNano') IS NOT NULL
                      AND NOT coalesce({_START_OK.format(v="(sp->>'startTimeUnixNano')")}, false)
            )
            SELECT filename, ordinality, '`' || field || '` is not ' || CASE
                WHEN field IN ('resourceSpans', 'scopeSpans', 'spans', 'attributes') THEN 'an array'
                WHEN field = 'span' THEN 'an object' ELSE 'an integer number of nanoseconds' END
            FROM fields
            """,
            [names],
        )


# JSON-RPC codes the conventions list as the caller's fault (the server could not serve the request): the call
# failed, but nothing broke. error.type `tool_error` is a CallToolResult with isError.
_CLIENT_FAULT_CODES = "('-32700', '-32600', '-32601', '-32602', '-32002', 'tool_error')"


def _insert_calls(ctx: LoadContext) -> None:
    """Calls of every file's valid spans; a trace is walked within its own file."""
    ctx.con.execute(
        f"""
        INSERT INTO tool_calls (event_id, occurred_at, source_format, server_name, tool_name, agent_identity,
                                delegated_user, delegation_chain, target_resource, policy_decision, trace_id,
                                correlation_id, outcome, source_file, source_line, mcp_method, error_code)
        WITH RECURSIVE
        valid_spans AS (
            SELECT s.*, f.source_file, s.ordinality - f.first_line + 1 AS line_no,
                   s.m['mcp.method.name'] = 'tools/call' OR s.m['gen_ai.operation.name'] = 'execute_tool' AS is_call,
                   s.m['gen_ai.operation.name'] = 'invoke_agent' AS is_agent
            FROM otlp_spans AS s JOIN otlp_files AS f USING (filename) WHERE s.valid
        ),
        nodes AS (
            -- one node per (trace, span id): a duplicated span id must not multiply the walk
            SELECT filename, trace_id, span_id, any_value(parent_id) AS parent_id, bool_or(is_call) AS is_call,
                   bool_or(coalesce(is_agent, false)) AS is_agent,
                   any_value(coalesce(m['gen_ai.agent.id'], m['gen_ai.agent.name'])) AS agent,
                   any_value(coalesce(m['enduser.id'], m['user.id'])) AS user_id,
                   any_value(coalesce(m['gen_ai.tool.name'], nullif(
                       regexp_extract(span_name, '^(?:tools/call|execute_tool) (.+)$', 1), ''))) AS tool
            FROM valid_spans WHERE span_id IS NOT NULL GROUP BY filename, trace_id, span_id
        ),
        calls AS (
            SELECT row_number() OVER () AS call_no, s.*,
                   coalesce(m['gen_ai.tool.name'],
                            nullif(regexp_extract(span_name, '^(?:tools/call|execute_tool) (.+)$', 1), '')) AS tool
            FROM valid_spans AS s WHERE is_call
        ),
        up AS (
            -- the call's own span at depth 0, then each ancestor; `agent_between` says an invoke_agent span lies
            -- strictly between the call and this ancestor (then the ancestor's tool call is another call)
            SELECT c.call_no, c.filename, c.trace_id, c.parent_id, 0 AS depth, false AS agent_between,
                   false AS node_is_agent, false AS node_is_call, c.tool AS node_tool, c.span_id AS node_span,
                   coalesce(c.m['gen_ai.agent.id'], c.m['gen_ai.agent.name']) AS agent,
                   coalesce(c.m['enduser.id'], c.m['user.id']) AS user_id
            FROM calls AS c
            UNION ALL
            SELECT u.call_no, u.filename, u.trace_id, n.parent_id, u.depth + 1, u.agent_between OR u.node_is_agent,
                   n.is_agent, n.is_call, n.tool, n.span_id, n.agent, n.user_id
            FROM up AS u JOIN nodes AS n
                 ON n.filename = u.filename AND n.trace_id = u.trace_id AND n.span_id = u.parent_id
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
                          'r:' || min(m['jsonrpc.request.id']) OVER (PARTITION BY filename, trace_id, root_span),
                          'c:' || min(m['gen_ai.tool.call.id']) OVER (PARTITION BY filename, trace_id, root_span),
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
            any_value(source_file),
            arg_min(line_no, coalesce(start_ns, {MAX_START_NS} + 1)),
            any_value(m['mcp.method.name']),
            any_value(error_code)
        FROM nested
        GROUP BY filename, call_key
        """
    )
