"""Stacklok ToolHive audit events (JSON lines): `mcp_tool_call` events and vMCP workflow tool steps become tool calls.

Field names follow `pkg/audit` (stacklok/toolhive) and `audit` (stacklok/toolhive-core): the slog form
ToolHive writes (`msg: audit_event`, snake_case `audit_id` / `logged_at`) and the Go struct's own JSON
(`metadata.auditId`, `loggedAt`). ToolHive writes audit events to stdout among its ordinary JSON log
lines, so a file is recognised by audit events anywhere in its head; the other lines are counted as
skipped on the source. Other event types (tools/list, initialize, ...) are not tool calls and are skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.audit._lines import head_json_objects, policy_decision, read_json_lines
from mcp_clearance.pipelines.base import LoadContext

FORMAT = "toolhive"

TIME_FIELDS = ("logged_at", "loggedAt", "time")  # the first one present is the event's time

# The fields read, as DuckDB types: each line is parsed once into this (json_transform is lenient: a value of the
# wrong JSON type reads as NULL, a number or boolean as its text).
_EVENT_TYPE = (
    '{"msg": "VARCHAR", "type": "VARCHAR", "audit_id": "VARCHAR", "auditId": "VARCHAR", "logged_at": "VARCHAR", '
    '"loggedAt": "VARCHAR", "time": "VARCHAR", "outcome": "VARCHAR", "component": "VARCHAR", '
    '"metadata": {"auditId": "VARCHAR", "extra": {"backend_name": "VARCHAR", "jsonrpc_error_code": "VARCHAR"}}, '
    '"source": {"extra": {"request_id": "VARCHAR", "session_id": "VARCHAR"}}, '
    '"subjects": {"user": "VARCHAR", "user_id": "VARCHAR", "client_name": "VARCHAR"}, '
    '"delegation": {"chain": [{"iss": "VARCHAR", "sub": "VARCHAR"}], "truncated": "VARCHAR", "malformed": "VARCHAR"}, '
    '"target": {"name": "VARCHAR", "tool_name": "VARCHAR", "uri": "VARCHAR", "endpoint": "VARCHAR", '
    '"method": "VARCHAR", "workflow_id": "VARCHAR", "step_id": "VARCHAR"}, '
    '"authz": {"decision": "VARCHAR"}, "policy": {"decision": "VARCHAR"}, '
    '"data": {"request": {"params": {"arguments": {"resource": "VARCHAR"}}}}}'
)


def detect(path: Path, head: str) -> bool:
    return any(_is_audit_event(doc) for doc in head_json_objects(head))


def _is_audit_event(doc: dict[str, Any]) -> bool:
    metadata = doc.get("metadata")
    struct_form = isinstance(metadata, dict) and "auditId" in metadata and "loggedAt" in doc and "type" in doc
    slog_form = doc.get("msg") == "audit_event" and ("audit_id" in doc or "auditId" in doc)
    return struct_form or slog_form


def load(ctx: LoadContext, path: Path) -> int:
    read_json_lines(ctx, path)
    source = ctx.relative(path)
    con = ctx.con
    time_field = " ".join(f"WHEN e.{f} IS NOT NULL THEN '{f}'" for f in TIME_FIELDS)
    con.execute(
        f"""
        CREATE TEMP TABLE toolhive_events AS
        SELECT line_no, e, e.type AS type, coalesce(e.audit_id, e.metadata.auditId, e.auditId) AS audit_id,
               CASE {time_field} END AS time_field,
               coalesce({", ".join(f"e.{f}" for f in TIME_FIELDS)}) AS time_text,
               e.target.workflow_id AS workflow_id, e.target.step_id AS step_id
        FROM (SELECT line_no, from_json(doc, '{_EVENT_TYPE}') AS e FROM audit_lines)
        """
    )
    try:
        return _load_events(ctx, path, source)
    finally:
        con.execute("DROP TABLE IF EXISTS toolhive_events")
        con.execute("DROP TABLE IF EXISTS audit_lines")


# A workflow step that calls a tool is logged when it starts (with target.tool_name); its end event,
# matched by workflow and step id, gives the outcome.
_CALLS = """
    (type = 'mcp_tool_call' OR (type = 'vmcp_workflow_step_started' AND e.target.tool_name IS NOT NULL))
"""


def _load_events(ctx: LoadContext, path: Path, source: str) -> int:
    con = ctx.con
    # ordinary log lines interleaved with the audit events: counted on the source, not quarantined
    skipped = con.execute("SELECT count(*) FROM toolhive_events WHERE audit_id IS NULL "
                          "AND coalesce(e.msg, '') <> 'audit_event'").fetchone()[0]
    ctx.note_skipped(path, int(skipped))
    bad_times = con.execute(
        f"SELECT line_no, time_field FROM toolhive_events WHERE {_CALLS} AND time_text IS NOT NULL "
        "AND try_cast(time_text AS TIMESTAMPTZ) IS NULL ORDER BY line_no").fetchall()
    for line_no, field in bad_times:
        ctx.quarantine(path, "audit", f"`{field}` is not an RFC 3339 time", int(line_no))
    before = con.execute("SELECT count(*) FROM tool_calls").fetchone()[0]
    con.execute(
        f"""
        INSERT INTO tool_calls (event_id, occurred_at, source_format, server_name, tool_name, agent_identity,
                                delegated_user, delegation_chain, target_resource, policy_decision, trace_id,
                                correlation_id, outcome, source_file, source_line, delegation_issuers,
                                delegation_incomplete, target_endpoint, mcp_method, error_code)
        WITH step_ends AS (
            SELECT workflow_id, step_id,
                   arg_max(CASE type WHEN 'vmcp_workflow_step_completed' THEN 'success' ELSE 'failure' END,
                           line_no) AS outcome
            FROM toolhive_events
            WHERE type IN ('vmcp_workflow_step_completed', 'vmcp_workflow_step_failed') AND step_id IS NOT NULL
            GROUP BY ALL
        ),
        calls AS (
            SELECT t.*, t.e.delegation.chain AS chain, s.outcome AS step_outcome
            FROM toolhive_events AS t
            LEFT JOIN step_ends AS s USING (workflow_id, step_id)
            WHERE {_CALLS} AND (time_text IS NULL OR try_cast(time_text AS TIMESTAMPTZ) IS NOT NULL)
        )
        SELECT
            coalesce(audit_id, ? || ':' || line_no),
            try_cast(time_text AS TIMESTAMPTZ)::TIMESTAMP,
            'toolhive',
            coalesce(e.metadata.extra.backend_name, e.component),
            coalesce(e.target.name, e.target.tool_name),
            -- the chain is outermost (current actor) first
            coalesce(nullif(chain[1].sub, ''), e.subjects.client_name),
            -- `user` is the token's name claim, or "anonymous" when it has none; `user_id` is the token's subject,
            -- the user the token was issued for. An unauthenticated caller has neither and proves no user.
            coalesce(nullif(nullif(e.subjects."user", 'anonymous'), ''), nullif(e.subjects.user_id, '')),
            CASE WHEN len(chain) > 0 THEN list_transform(chain, lambda a: a.sub) END,
            coalesce(e.target.uri, e.data.request.params.arguments.resource),
            CASE
                WHEN e.outcome = 'denied' THEN 'deny'
                ELSE {policy_decision("coalesce(e.authz.decision, e.policy.decision)")}
            END,
            NULL,
            coalesce(e.source.extra.request_id, e.source.extra.session_id),
            CASE WHEN type = 'vmcp_workflow_step_started' THEN step_outcome ELSE e.outcome END,
            ?,
            line_no,
            CASE WHEN len(chain) > 0 THEN list_transform(chain, lambda a: nullif(a.iss, '')) END,
            CASE WHEN e.delegation IS NOT NULL
                 THEN coalesce(try_cast(e.delegation.truncated AS BOOLEAN), false)
                      OR coalesce(try_cast(e.delegation.malformed AS BOOLEAN), false) END,
            e.target.endpoint,
            e.target.method,
            e.metadata.extra.jsonrpc_error_code
        FROM calls
        """,
        [source, source],
    )
    return int(con.execute("SELECT count(*) FROM tool_calls").fetchone()[0] - before)
