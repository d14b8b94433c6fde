-- AU-06 Logs are kept long enough. One row per log sink declared for the system: FAIL when its
-- retention is shorter than the tier requires; UNKNOWN when it is not declared.
SELECT
    l.system_id,
    'sink:' || l.sink_name AS resource,
    CASE WHEN l.retention_days IS NULL THEN 'UNKNOWN' WHEN l.retention_days < p.retention_days THEN 'FAIL'
         ELSE 'PASS' END AS status,
    'log sink ' || l.sink_name || coalesce(' keeps events ' || l.retention_days || ' days', ' declares no retention')
        || '; tier ' || p.tier || ' needs ' || p.retention_days AS reason,
    l.retention_days || ' days' AS observed,
    '>= ' || p.retention_days || ' days' AS expected,
    l.source_file || ':' || coalesce(l.source_line::VARCHAR, '') AS evidence
FROM log_sinks AS l
JOIN system_policy AS p USING (system_id)
