-- AU-01 Every connector is logged. One row per active server definition: FAIL when no audit event for
-- its server reaches the system in the review window while other events do (the trail exists and
-- skips it). When no audit event reaches the system in the window, the trail was not provided or is
-- stale: UNKNOWN, saying how many events exist and when the last one was (system_audit_freshness).
WITH logged AS (
    SELECT system_id, server_name, count(*) AS calls FROM tool_calls_in_window GROUP BY ALL
),
audited AS (
    SELECT DISTINCT system_id FROM tool_calls_in_window
)
SELECT
    sc.system_id,
    sc.connector_ref AS resource,
    CASE WHEN a.system_id IS NULL THEN 'UNKNOWN' WHEN l.calls IS NULL THEN 'FAIL' ELSE 'PASS' END AS status,
    CASE WHEN a.system_id IS NULL THEN f.stale_reason
         WHEN l.calls IS NULL THEN sc.server_name || ' (' || sc.source_file
              || ') has no audit events in the review window, while other connectors of ' || sc.system_id || ' do'
         ELSE sc.server_name || ' has ' || l.calls || ' audit event(s) in the review window' END AS reason,
    coalesce(l.calls, 0) || ' event(s)' AS observed,
    'at least one audit event per connector in the review window' AS expected,
    sc.source_file || ':' || coalesce(sc.source_line::VARCHAR, '') AS evidence
FROM (SELECT DISTINCT system_id, connector_ref, server_name, source_file, source_line
      FROM system_connectors WHERE is_active) AS sc
LEFT JOIN logged AS l USING (system_id, server_name)
LEFT JOIN audited AS a USING (system_id)
LEFT JOIN system_audit_freshness AS f USING (system_id)
