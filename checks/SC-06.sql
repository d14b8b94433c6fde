-- SC-06 Granted tools are used. One row per tool granted to an agent on the system: FAIL when the
-- audit trail shows no call to it in the review window (the grant is wider than the task). When no
-- audit event reaches the system in the window (none at all, or only stale ones), use cannot be judged
-- and the row is UNKNOWN.
WITH granted AS (
    SELECT DISTINCT system_id, server_name, tool_name, listing_file FROM system_tools
),
used AS (
    SELECT system_id, server_name, tool_name, count(*) AS calls, max(occurred_at) AS last_call
    FROM tool_calls_in_window GROUP BY ALL
),
audited AS (
    SELECT DISTINCT system_id FROM tool_calls_in_window
)
SELECT
    g.system_id,
    'tool:' || g.server_name || '/' || g.tool_name AS resource,
    CASE WHEN a.system_id IS NULL THEN 'UNKNOWN' WHEN u.calls IS NULL THEN 'FAIL' ELSE 'PASS' END AS status,
    CASE WHEN a.system_id IS NULL THEN f.stale_reason || ', so use of ' || g.tool_name || ' cannot be judged'
         WHEN u.calls IS NULL THEN 'tool ' || g.tool_name || ' on ' || g.server_name
              || ' is granted but was not called in the review window'
         ELSE 'tool ' || g.tool_name || ' on ' || g.server_name || ' was called ' || u.calls || ' time(s)' END AS reason,
    coalesce(u.calls, 0) || ' call(s)' AS observed,
    'at least one call in the review window' AS expected,
    g.listing_file AS evidence
FROM granted AS g
LEFT JOIN used AS u USING (system_id, server_name, tool_name)
LEFT JOIN audited AS a USING (system_id)
LEFT JOIN system_audit_freshness AS f USING (system_id)
