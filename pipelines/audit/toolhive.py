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

from mcp_clearance.pipelines.audit._lines import (
    BLANK,
    LINES,
    drop_work_tables,
    head_json_objects,
    line_problem,
    parsed,
    policy_decision,
    quarantine_surveyed,
    register_files,
    rows_per_file,
    set_first_lines,
)
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

# What the survey pass reads of each line: enough to classify it (call, log line, step end, time)
_SURVEY_TYPE = (
    '{"msg": "VARCHAR", "type": "VARCHAR", "audit_id": "VARCHAR", "auditId": "VARCHAR", "logged_at": "VARCHAR", '
    '"loggedAt": "VARCHAR", "time": "VARCHAR", "metadata": {"auditId": "VARCHAR"}, '
    '"target": {"tool_name": "VARCHAR", "workflow_id": "VARCHAR", "step_id": "VARCHAR"}}'
)


def detect(path: Path, head: str) -> bool:
    return any(_is_audit_event(doc) for doc in head_json_objects(head))


def _is_audit_event(doc: dict[str, Any]) -> bool:
    metadata = doc.get("metadata")
    struct_form = isinstance(metadata, dict) and "auditId" in metadata and "loggedAt" in doc and "type" in doc
    slog_form = doc.get("msg") == "audit_event" and ("audit_id" in doc or "auditId" in doc)
    return struct_form or slog_form


def load(ctx: LoadContext, path: Path) -> int:
    return load_many(ctx, [path])[path]


# A workflow step that calls a tool is logged when it starts (with target.tool_name); its end event,
# matched by workflow and step id, gives the outcome.
_CALLS = "(e.type = 'mcp_tool_call' OR (e.type = 'vmcp_workflow_step_started' AND e.target.tool_name IS NOT NULL))"
_STEP_END = "e.type IN ('vmcp_workflow_step_completed', 'vmcp_workflow_step_failed') AND e.target.step_id IS NOT NULL"
_TIME_TEXT = f"coalesce({', '.join(f'e.{f}' for f in TIME_FIELDS)})"
_TIME_FIELD = "CASE " + " ".join(f"WHEN e.{f} IS NOT NULL THEN '{f}'" for f in TIME_FIELDS) + " END"
_BAD_TIME = f"{_TIME_TEXT} IS NOT NULL AND try_cast({_TIME_TEXT} AS TIMESTAMPTZ) IS NULL"
# ordinary log lines interleaved with the audit events: counted on the source, not quarantined
_LOG_LINE = "coalesce(e.audit_id, e.metadata.auditId, e.auditId) IS NULL AND coalesce(e.msg, '') <> 'audit_event'"


def load_many(ctx: LoadContext, paths: list[Path]) -> dict[Path, int]:
    """Every ToolHive file in two streaming passes of one reader over all of them; rows loaded per file.

    The survey pass keeps only what is small: each file's first line number, the lines to quarantine, the count of
    ordinary log lines and the workflow step ends (whose outcome a step's start event takes). The insert pass then
    parses every line once more and writes the calls straight into `tool_calls`.
    """
    con = ctx.con
    names = register_files(ctx, paths, "toolhive_files")
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE toolhive_survey AS
            WITH lines AS (
                SELECT filename, ordinality, line, {parsed(_SURVEY_TYPE)} AS e FROM {LINES}
            ),
            classified AS (
                SELECT filename, ordinality, e,
                       CASE WHEN {BLANK} THEN NULL
                            WHEN e IS NULL THEN {line_problem("e")}
                            WHEN {_CALLS} AND {_BAD_TIME} THEN '`' || {_TIME_FIELD} || '` is not an RFC 3339 time'
                       END AS problem,
                       e IS NOT NULL AND {_LOG_LINE} AS log_line,
                       e IS NOT NULL AND {_STEP_END} AS step_end
                FROM lines
            )
            SELECT filename, min(ordinality) AS first_ordinal,
                   CASE WHEN problem IS NOT NULL OR step_end THEN ordinality END AS line_no, problem,
                   count(*) FILTER (WHERE log_line) AS log_lines,
                   CASE WHEN step_end THEN e.target.workflow_id END AS workflow_id,
                   CASE WHEN step_end THEN e.target.step_id END AS step_id,
                   CASE WHEN step_end THEN CASE e.type WHEN 'vmcp_workflow_step_completed' THEN 'success'
                                                      ELSE 'failure' END END AS step_outcome
            FROM classified GROUP BY ALL
            """,
            [names],
        )
        set_first_lines(ctx, "toolhive_files", "toolhive_survey")
        _insert_calls(ctx, names)
        quarantine_surveyed(ctx, "toolhive_survey", "toolhive_files", paths)
        for path, log_lines in _log_lines(ctx, paths).items():
            ctx.note_skipped(path, log_lines)
        return rows_per_file(ctx, "tool_calls", "toolhive_files", paths)
    finally:
        drop_work_tables(ctx, "toolhive_survey", "toolhive_files")


def _log_lines(ctx: LoadContext, paths: list[Path]) -> dict[Path, int]:
    by_name = {str(p): p for p in paths}
    return {by_name[name]: int(n) for name, n in ctx.con.execute(
        "SELECT filename, sum(log_lines) FROM toolhive_survey GROUP BY ALL HAVING sum(log_lines) > 0").fetchall()}


def _insert_calls(ctx: LoadContext, names: list[str]) -> None:
    ctx.con.execute(
        f"""
        INSERT INTO tool_calls (event_id, occurred_at, source_format, server_name, tool_name, agent_identity,
                                delegated_user, delegation_chain, target_resource, policy_decision, trace_id,
                                correlation_id, outcome, source_file, source_line, delegation_issuers,
                                delegation_incomplete, target_endpoint, mcp_method, error_code)
        WITH step_ends AS (
            SELECT filename, workflow_id, step_id, arg_max(step_outcome, line_no) AS step_outcome
            FROM toolhive_survey WHERE step_id IS NOT NULL GROUP BY ALL
        ),
        calls AS (
            SELECT f.source_file, r.ordinality - f.first_line + 1 AS line_no, r.e, r.e.delegation.chain AS chain,
                   s.step_outcome
            FROM (SELECT filename, ordinality, {parsed(_EVENT_TYPE)} AS e FROM {LINES}) AS r
            JOIN toolhive_files AS f USING (filename)
            LEFT JOIN step_ends AS s
                   ON s.filename = r.filename AND s.workflow_id = r.e.target.workflow_id
                  AND s.step_id = r.e.target.step_id
            WHERE {_CALLS} AND NOT coalesce({_BAD_TIME}, false)
        )
        SELECT
            coalesce(e.audit_id, e.metadata.auditId, e.auditId, source_file || ':' || line_no),
            try_cast({_TIME_TEXT} AS TIMESTAMPTZ)::TIMESTAMP,
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
            CASE WHEN e.type = 'vmcp_workflow_step_started' THEN step_outcome ELSE e.outcome END,
            source_file,
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
        [names],
    )
