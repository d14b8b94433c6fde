"""OpenTelemetry traces in OTLP JSON (one ExportTraceServiceRequest per line, or one document).

Spans of MCP `tools/call` (or GenAI `execute_tool`) become tool calls; attributes are unnested
and pivoted in SQL. Identity from gen_ai.agent.id (else gen_ai.agent.name), delegated user from
enduser.id / user.id, server from the resource's service.name, correlation from mcp.session.id,
policy decision from an `*.decision` / `agent.threat.detection.action` attribute when present.
"""

from __future__ import annotations

from pathlib import Path

from mcp_clearance.pipelines.audit._lines import first_json_line, first_json_object, policy_decision, read_json_lines
from mcp_clearance.pipelines.base import LoadContext, read_text

FORMAT = "otlp"


def detect(path: Path, head: str) -> bool:
    doc = first_json_object(head)
    if doc is not None:
        return "resourceSpans" in doc
    return "".join(head[:60].split()).startswith('{"resourceSpans"')  # a pretty-printed export


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
    source = ctx.relative(path)
    before = ctx.con.execute("SELECT count(*) FROM tool_calls").fetchone()[0]
    ctx.con.execute(
        """
        INSERT INTO tool_calls
        WITH rs AS (
            SELECT line_no, unnest(from_json(doc->'resourceSpans', '["JSON"]')) AS r FROM audit_lines
        ),
        ss AS (
            SELECT line_no, r, unnest(from_json(r->'scopeSpans', '["JSON"]')) AS s FROM rs
        ),
        spans AS (
            SELECT line_no,
                   (SELECT any_value(a->>'$.value.stringValue') FROM
                        (SELECT unnest(from_json(r->'$.resource.attributes', '["JSON"]')) AS a) t
                    WHERE a->>'key' = 'service.name') AS service,
                   unnest(from_json(s->'spans', '["JSON"]')) AS sp
            FROM ss
        ),
        entries AS (
            SELECT line_no, service, sp,
                   list_transform(from_json(sp->'attributes', '["JSON"]'),
                       lambda a: {'k': a->>'key', 'v': coalesce(a->>'$.value.stringValue', a->>'$.value.intValue',
                                                                 a->>'$.value.boolValue')}) AS kv
            FROM spans
        ),
        attrs AS (
            -- a key repeated in one span keeps its first value (a map cannot hold it twice)
            SELECT line_no, service, sp,
                   map_from_entries(list_filter(kv, lambda e, i: list_position(list_transform(kv, lambda x: x.k),
                                                                               e.k) = i)) AS m
            FROM entries
        )
        SELECT
            coalesce(sp->>'traceId', '') || ':' || coalesce(sp->>'spanId', line_no::VARCHAR),
            make_timestamp(((sp->>'startTimeUnixNano')::HUGEINT // 1000)::BIGINT),
            'otlp',
            coalesce(m['mcp.server.name'], service),
            coalesce(m['gen_ai.tool.name'], nullif(regexp_extract(sp->>'name', '^tools/call (.+)$', 1), '')),
            coalesce(m['gen_ai.agent.id'], m['gen_ai.agent.name']),
            coalesce(m['enduser.id'], m['user.id']),
            NULL,
            m['mcp.resource.uri'],
            """ + policy_decision("coalesce(m['authz.decision'], m['policy.decision'], "
                                  "m['agent.threat.detection.action'])") + """,
            sp->>'traceId',
            coalesce(m['mcp.session.id'], m['jsonrpc.request.id']),
            CASE WHEN sp->>'$.status.code' IN ('2', 'STATUS_CODE_ERROR') THEN 'error' ELSE 'success' END,
            ?,
            line_no
        FROM attrs
        WHERE m['mcp.method.name'] = 'tools/call' OR m['gen_ai.operation.name'] = 'execute_tool'
        """,
        [source],
    )
    ctx.con.execute("DROP TABLE audit_lines")
    return int(ctx.con.execute("SELECT count(*) FROM tool_calls").fetchone()[0] - before)
