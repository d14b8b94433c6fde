"""AWS CloudTrail target-system logs: `{"Records": [...]}` files (as delivered to S3) or one event per line.

They prove the last hop of the delegation chain: which call reached which AWS API, as whom.
"""

from __future__ import annotations

from pathlib import Path

from mcp_clearance.pipelines.audit._lines import first_json_line, read_json_lines
from mcp_clearance.pipelines.base import LoadContext, read_text

FORMAT = "cloudtrail"

_COLUMNS = """
    coalesce(e->>'eventID', ? || ':' || n),
    try_cast(e->>'eventTime' AS TIMESTAMPTZ)::TIMESTAMP,
    e->>'eventSource',
    e->>'eventName',
    coalesce(e->>'$.userIdentity.sessionContext.sessionIssuer.arn', e->>'$.userIdentity.arn'),
    e->>'$.userIdentity.accessKeyId',
    coalesce(e->>'$.userIdentity.sessionContext.sourceIdentity', e->>'$.responseElements.sourceIdentity'),
    CASE WHEN e->>'$.userIdentity.type' = 'AssumedRole'
         THEN regexp_extract(e->>'$.userIdentity.arn', '/([^/]+)$', 1) END,
    list_transform(coalesce(from_json(e->'resources', '["JSON"]'), []), lambda r: r->>'ARN'),
    try_cast(e->>'readOnly' AS BOOLEAN),
    ?
"""


def detect(path: Path, head: str) -> bool:
    return _is_records_document(head) or ('"eventVersion"' in first_json_line(head)
                                          and '"eventSource"' in first_json_line(head))


def _is_records_document(head: str) -> bool:
    text = "".join(head[:200].split())
    return text.startswith('{"Records"')


def load(ctx: LoadContext, path: Path) -> int:
    source = ctx.relative(path)
    before = ctx.con.execute("SELECT count(*) FROM target_events").fetchone()[0]
    if _is_records_document(read_text(path, 4096)):
        # a Records document as delivered to S3: DuckDB's JSON reader, then UNNEST in SQL
        ctx.con.execute(
            f"""
            INSERT INTO target_events
            SELECT {_COLUMNS}, NULL
            FROM (
                SELECT unnest(from_json(json->'Records', '["JSON"]')) AS e,
                       generate_subscripts(from_json(json->'Records', '["JSON"]'), 1) AS n
                FROM read_json_objects(?, format = 'auto', maximum_object_size = 1073741824)
            )
            """,
            [source, source, str(path)],
        )
    else:
        read_json_lines(ctx, path)
        ctx.con.execute(
            f"INSERT INTO target_events SELECT {_COLUMNS}, line_no "
            "FROM (SELECT doc AS e, line_no AS n, line_no FROM audit_lines WHERE doc->>'eventSource' IS NOT NULL)",
            [source, source],
        )
        ctx.con.execute("DROP TABLE audit_lines")
    return int(ctx.con.execute("SELECT count(*) FROM target_events").fetchone()[0] - before)
