"""AWS CloudTrail target-system logs: `{"Records": [...]}` files (as delivered to S3) or one event per line.

They prove the last hop of the delegation chain: which call reached which AWS API, as whom, and for whom
(`userIdentity.onBehalfOf`, IAM Identity Center trusted identity propagation). Records that are not
activity (Insights events) are skipped and counted; a denied call is stored as a denial.
"""

from __future__ import annotations

from pathlib import Path

from mcp_clearance.pipelines.audit._lines import first_json_line, read_json_lines
from mcp_clearance.pipelines.base import LoadContext, read_text

FORMAT = "cloudtrail"

# eventType values of activity records; anything else (AwsCloudTrailInsight, ...) is not a call and is skipped
ACTIVITY_TYPES = ("AwsApiCall", "AwsServiceEvent", "AwsConsoleAction", "AwsConsoleSignIn", "ConsoleSignin",
                  "AwsVpceEvent")
# The fields read, as DuckDB types: each record is parsed once into this (json_transform is lenient: a value of
# the wrong JSON type reads as NULL, a number or boolean as its text).
_RECORD_TYPE = (
    '{"eventID": "VARCHAR", "eventTime": "VARCHAR", "eventSource": "VARCHAR", "eventName": "VARCHAR", '
    '"eventType": "VARCHAR", "readOnly": "VARCHAR", "errorCode": "VARCHAR", "errorMessage": "VARCHAR", '
    '"userIdentity": {"type": "VARCHAR", "arn": "VARCHAR", "accessKeyId": "VARCHAR", '
    '"sessionContext": {"sessionIssuer": {"arn": "VARCHAR"}, "sourceIdentity": "VARCHAR"}, '
    '"onBehalfOf": {"userId": "VARCHAR", "subject": "VARCHAR", "identityStoreArn": "VARCHAR", "issuer": "VARCHAR"}}, '
    '"requestParameters": {"roleSessionName": "VARCHAR", "sourceIdentity": "VARCHAR"}, '
    '"responseElements": {"sourceIdentity": "VARCHAR"}, "resources": [{"ARN": "VARCHAR"}]}'
)
# errorCode spellings of an authorization refusal across AWS services (AccessDenied, AccessDeniedException,
# Client.UnauthorizedOperation, UnauthorizedAccess, ...), or an errorMessage that says so
_DENIED = ("regexp_matches(coalesce(e.errorCode, ''), '(?i)accessdenied|unauthori[sz]ed|forbidden|notauthori[sz]ed') "
           "OR regexp_matches(coalesce(e.errorMessage, ''), '(?i)not authorized to perform|access denied')")
_ASSUME_ROLE = "starts_with(coalesce(e.eventName, ''), 'AssumeRole')"

_COLUMNS = f"""
    coalesce(e.eventID, ? || ':' || n),
    try_cast(e.eventTime AS TIMESTAMPTZ)::TIMESTAMP,
    e.eventSource,
    e.eventName,
    coalesce(e.userIdentity.sessionContext.sessionIssuer.arn, e.userIdentity.arn),
    e.userIdentity.accessKeyId,
    coalesce(e.userIdentity.sessionContext.sourceIdentity,
             CASE WHEN {_ASSUME_ROLE} THEN e.requestParameters.sourceIdentity END,
             e.responseElements.sourceIdentity),
    -- an AssumeRole event names the session it opens; any other event runs inside the caller's session
    coalesce(CASE WHEN {_ASSUME_ROLE} THEN e.requestParameters.roleSessionName END,
             CASE WHEN e.userIdentity.type = 'AssumedRole' THEN regexp_extract(e.userIdentity.arn, '/([^/]+)$', 1) END),
    list_transform(coalesce(e.resources, []), lambda r: r.ARN),
    try_cast(e.readOnly AS BOOLEAN),
    ?,
    line_no,
    e.eventType,
    coalesce(e.userIdentity.onBehalfOf.userId, e.userIdentity.onBehalfOf.subject),
    coalesce(e.userIdentity.onBehalfOf.identityStoreArn, e.userIdentity.onBehalfOf.issuer),
    e.errorCode,
    CASE WHEN {_DENIED} THEN 'denied' WHEN e.errorCode IS NOT NULL THEN 'error' ELSE 'success' END
"""
_TARGET = ("INSERT INTO target_events (event_id, occurred_at, event_source, event_name, principal_arn, access_key_id, "
           "source_identity, role_session_name, resources, read_only, source_file, source_line, event_type, "
           "on_behalf_of, identity_store_arn, error_code, outcome) ")
_IS_ACTIVITY = "(e.eventType IS NULL OR e.eventType IN (" + ", ".join(f"'{t}'" for t in ACTIVITY_TYPES) + "))"
_BAD_TIME = "e.eventTime IS NOT NULL AND try_cast(e.eventTime AS TIMESTAMPTZ) IS NULL"


def detect(path: Path, head: str) -> bool:
    return _is_records_document(head) or ('"eventVersion"' in first_json_line(head)
                                          and '"eventSource"' in first_json_line(head))


def _is_records_document(head: str) -> bool:
    text = "".join(head[:200].split())
    return text.startswith('{"Records"')


def load(ctx: LoadContext, path: Path) -> int:
    source = ctx.relative(path)
    con = ctx.con
    if _is_records_document(read_text(path, 4096)):
        # a Records document as delivered to S3: DuckDB's JSON reader parses it once into the typed records,
        # then UNNEST in SQL; its records have no line of their own, so a bad one is named by its position
        con.execute(
            """CREATE TEMP TABLE cloudtrail_events AS
               SELECT unnest(records) AS e, generate_subscripts(records, 1) AS n, NULL::BIGINT AS line_no
               FROM (SELECT from_json(json, '{"Records": [' || ? || ']}').Records AS records
                     FROM read_json_objects(?, format = 'auto', maximum_object_size = 1073741824))
               WHERE records IS NOT NULL""",
            [_RECORD_TYPE, str(path)],
        )
    else:
        read_json_lines(ctx, path)
        con.execute("CREATE TEMP TABLE cloudtrail_events AS SELECT e, line_no AS n, line_no "
                    f"FROM (SELECT from_json(doc, '{_RECORD_TYPE}') AS e, line_no FROM audit_lines) "
                    "WHERE e.eventSource IS NOT NULL OR e.eventType IS NOT NULL")
        con.execute("DROP TABLE audit_lines")
    try:
        skipped = con.execute(f"SELECT count(*) FROM cloudtrail_events WHERE NOT {_IS_ACTIVITY}").fetchone()[0]
        ctx.note_skipped(path, int(skipped))
        for n, line_no in con.execute(f"SELECT n, line_no FROM cloudtrail_events WHERE {_IS_ACTIVITY} AND {_BAD_TIME} "
                                      "ORDER BY n").fetchall():
            where = "" if line_no is not None else f"record {n}: "
            ctx.quarantine(path, "audit", f"{where}`eventTime` is not an ISO 8601 time", line_no)
        before = con.execute("SELECT count(*) FROM target_events").fetchone()[0]
        con.execute(
            _TARGET + f"SELECT {_COLUMNS} FROM cloudtrail_events "
            f"WHERE {_IS_ACTIVITY} AND NOT coalesce({_BAD_TIME}, false)",
            [source, source],
        )
        return int(con.execute("SELECT count(*) FROM target_events").fetchone()[0] - before)
    finally:
        con.execute("DROP TABLE IF EXISTS cloudtrail_events")
