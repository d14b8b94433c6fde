"""Stacklok ToolHive audit events (JSON lines, `msg: audit_event`): `mcp_tool_call` events become tool calls.

Accepts the logged snake_case keys and the struct's camelCase spellings (audit_id / auditId,
logged_at / loggedAt). Other event types (tools/list, initialize, ...) are not tool calls and are
skipped. Policy decision: `denied` outcome = deny; an explicit `authz.decision` / `policy.decision`
field when present; otherwise NULL (no decision recorded).
"""

from __future__ import annotations

from pathlib import Path

from mcp_clearance.pipelines.audit._lines import first_json_line, policy_decision, read_json_lines
from mcp_clearance.pipelines.base import LoadContext

FORMAT = "toolhive"


def detect(path: Path, head: str) -> bool:
    line = first_json_line(head)
    return line.startswith("{") and '"audit_event"' in line and ('"audit_id"' in line or '"auditId"' in line)


def load(ctx: LoadContext, path: Path) -> int:
    read_json_lines(ctx, path)
    source = ctx.relative(path)
    before = ctx.con.execute("SELECT count(*) FROM tool_calls").fetchone()[0]
    ctx.con.execute(
        """
        INSERT INTO tool_calls
        SELECT
            coalesce(doc->>'audit_id', doc->>'$.metadata.auditId', doc->>'auditId', ? || ':' || line_no),
            try_cast(coalesce(doc->>'logged_at', doc->>'loggedAt', doc->>'time') AS TIMESTAMPTZ)::TIMESTAMP,
            'toolhive',
            coalesce(doc->>'$.metadata.extra.backend_name', doc->>'component'),
            doc->>'$.target.name',
            coalesce(nullif(doc->>'$.delegation.chain[0].sub', ''), doc->>'$.subjects.client_name'),
            -- ToolHive names an unauthenticated caller "anonymous": no delegated user was proven
            nullif(coalesce(doc->>'$.subjects.user', doc->>'$.subjects.user_id'), 'anonymous'),
            CASE WHEN json_array_length(doc->'$.delegation.chain') > 0 THEN
                list_transform(from_json(doc->'$.delegation.chain', '["JSON"]'), lambda a: a->>'sub') END,
            coalesce(doc->>'$.target.resource', doc->>'$.data.request.params.arguments.resource'),
            CASE
                WHEN doc->>'outcome' = 'denied' THEN 'deny'
                ELSE """ + policy_decision("coalesce(doc->>'$.authz.decision', doc->>'$.policy.decision')") + """
            END,
            doc->>'$.trace_id',
            doc->>'$.source.extra.request_id',
            doc->>'outcome',
            ?,
            line_no
        FROM audit_lines
        WHERE coalesce(doc->>'type', '') = 'mcp_tool_call'
        """,
        [source, source],
    )
    after = ctx.con.execute("SELECT count(*) FROM tool_calls").fetchone()[0]
    ctx.con.execute("DROP TABLE audit_lines")
    return int(after - before)
