"""AWS CloudTrail target-system logs: `{"Records": [...]}` files (as delivered to S3) or one event per line.

They prove the last hop of the delegation chain: which call reached which AWS API, as whom, and for whom
(`userIdentity.onBehalfOf`, IAM Identity Center trusted identity propagation). Records that are not
activity (Insights events) are skipped and counted; a denied call is stored as a denial.
"""

from __future__ import annotations

from pathlib import Path

from mcp_clearance.pipelines.audit._lines import (
    BLANK,
    LINES,
    by_size,
    drop_work_tables,
    first_json_line,
    line_problem,
    parsed,
    quarantine_surveyed,
    register_files,
    rows_per_file,
    set_first_lines,
)
from mcp_clearance.pipelines.base import MAX_STREAMED_FILE_BYTES, LoadContext, read_text

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
    coalesce(e.eventID, source_file || ':' || n),
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
    source_file,
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


# a whole document is at most the audit file limit (check_size refused larger ones before any reader ran);
# DuckDB's JSON reader allocates buffers of about twice this, so it must not be larger than that limit
MAX_DOCUMENT_BYTES = MAX_STREAMED_FILE_BYTES["audit"]


# A document is parsed whole, and the reader hands a statement up to 2,048 documents at once, so memory follows the
# documents one statement reads (about 5-8x their text): each statement reads at most this much text.
DOCUMENT_BATCH_BYTES = 64 * 1024 * 1024


def load(ctx: LoadContext, path: Path) -> int:
    return load_many(ctx, [path])[path]


def load_many(ctx: LoadContext, paths: list[Path]) -> dict[Path, int]:
    """Records documents (as delivered to S3) and one-event-per-line files, each kind in one reader over its files."""
    documents = [p for p in paths if _is_records_document(read_text(p, 4096))]
    lines = [p for p in paths if p not in documents]
    loaded: dict[Path, int] = {}
    for group in by_size(documents, DOCUMENT_BATCH_BYTES):
        loaded.update(_load(ctx, group, documents=True))
    if lines:
        loaded.update(_load(ctx, lines, documents=False))
    return loaded


# A Records document: DuckDB's JSON reader reads each document and it is parsed once into the typed records, which
# are unnested right there; its records have no line of their own, so a bad one is named by its position (n).
_DOCUMENT_RECORDS = f"""
    SELECT filename, unnest(records) AS e, generate_subscripts(records, 1) AS n
    FROM (SELECT filename, try(from_json(json, '{{"Records": [{_RECORD_TYPE}]}}')).Records AS records
          FROM read_json_objects(?::VARCHAR[], format = 'auto', maximum_object_size = {MAX_DOCUMENT_BYTES},
                                 filename = true))
    WHERE records IS NOT NULL
"""
# One event per line: each line parsed once; the position is the line (a line that is no event is passed over).
_LINE_RECORDS = f"""
    SELECT filename, ordinality, e, ordinality AS n, line
    FROM (SELECT filename, ordinality, line, {parsed(_RECORD_TYPE)} AS e FROM {LINES})
"""


# What the survey of a document reads of each record; it needs no unnesting: positions come from list lambdas.
_SURVEY_TYPE = '{"Records": [{"eventTime": "VARCHAR", "eventType": "VARCHAR"}]}'


def _survey_documents(ctx: LoadContext, names: list[str]) -> None:
    """Table `cloudtrail_survey` for Records documents: per file the Insights records skipped, and the position of
    each activity record whose time is not a time."""
    ctx.con.execute(
        f"""CREATE OR REPLACE TEMP TABLE cloudtrail_documents AS
            SELECT filename, len(list_filter(records, lambda e: NOT {_IS_ACTIVITY})) AS skipped,
                   list_filter(list_transform(records,
                                              lambda e, i: CASE WHEN {_IS_ACTIVITY} AND {_BAD_TIME} THEN i END),
                               lambda i: i IS NOT NULL) AS bad
            FROM (SELECT filename, try(from_json(json, '{_SURVEY_TYPE}')).Records AS records
                  FROM read_json_objects(?::VARCHAR[], format = 'auto', maximum_object_size = {MAX_DOCUMENT_BYTES},
                                         filename = true))""",
        [names],
    )
    ctx.con.execute(
        """CREATE OR REPLACE TEMP TABLE cloudtrail_survey AS
           SELECT filename, 1 AS first_ordinal, NULL::BIGINT AS line_no, NULL AS problem, skipped
           FROM cloudtrail_documents
           UNION ALL
           SELECT filename, 1, NULL, 'record ' || unnest(bad) || ': `eventTime` is not an ISO 8601 time', 0
           FROM cloudtrail_documents"""
    )
    ctx.con.execute("DROP TABLE cloudtrail_documents")


_EVENT = "(e.eventSource IS NOT NULL OR e.eventType IS NOT NULL)"  # a line that is no CloudTrail event is passed over


def _survey_lines(ctx: LoadContext, names: list[str]) -> None:
    """Table `cloudtrail_survey` for event-per-line files: first line numbers, lines to quarantine, Insights skipped."""
    problem = (f"CASE WHEN {BLANK} THEN NULL WHEN e IS NULL THEN {line_problem('e')} "
               f"WHEN {_EVENT} AND {_IS_ACTIVITY} AND {_BAD_TIME} THEN '`eventTime` is not an ISO 8601 time' END")
    ctx.con.execute(
        f"""CREATE OR REPLACE TEMP TABLE cloudtrail_survey AS
            WITH classified AS (SELECT filename, ordinality, {problem} AS problem,
                                       {_EVENT} AND NOT {_IS_ACTIVITY} AS insight
                                FROM ({_LINE_RECORDS}))
            SELECT filename, min(ordinality) AS first_ordinal,
                   CASE WHEN problem IS NOT NULL THEN ordinality END AS line_no, problem,
                   count(*) FILTER (WHERE insight) AS skipped
            FROM classified GROUP BY ALL""",
        [names],
    )


def _load(ctx: LoadContext, paths: list[Path], *, documents: bool) -> dict[Path, int]:
    con = ctx.con
    names = register_files(ctx, paths, "cloudtrail_files")
    if documents:  # every record of a document is an event; it has no line, its position names it
        records, keep, line_no, position = _DOCUMENT_RECORDS, "true", "NULL::BIGINT", "r.n"
    else:
        records, keep = _LINE_RECORDS, _EVENT
        line_no = position = "r.ordinality - f.first_line + 1"
    try:
        (_survey_documents if documents else _survey_lines)(ctx, names)
        set_first_lines(ctx, "cloudtrail_files", "cloudtrail_survey")
        con.execute(
            _TARGET + f"""SELECT {_COLUMNS}
                FROM (SELECT f.source_file, {line_no} AS line_no, r.e, {position} AS n
                      FROM ({records}) AS r JOIN cloudtrail_files AS f USING (filename)
                      WHERE {keep} AND {_IS_ACTIVITY} AND NOT coalesce({_BAD_TIME}, false))""",
            [names],
        )
        quarantine_surveyed(ctx, "cloudtrail_survey", "cloudtrail_files", paths)
        by_name = {str(p): p for p in paths}
        for name, skipped in con.execute("SELECT filename, sum(skipped) FROM cloudtrail_survey GROUP BY ALL "
                                         "HAVING sum(skipped) > 0").fetchall():
            ctx.note_skipped(by_name[name], int(skipped))
        return rows_per_file(ctx, "target_events", "cloudtrail_files", paths)
    finally:
        drop_work_tables(ctx, "cloudtrail_survey", "cloudtrail_files")
