-- Which evidence families each system has in this run. A finding whose evidence disappeared is
-- "incomparable" between runs, not "resolved".
CREATE OR REPLACE VIEW system_evidence AS
SELECT
    s.system_id,
    list_sort(list_filter([
        'inventory',
        'policy',  -- the shipped tier defaults apply when the estate has no policy.yaml
        CASE WHEN EXISTS (SELECT 1 FROM system_connectors AS c WHERE c.system_id = s.system_id) THEN 'connectors' END,
        CASE WHEN EXISTS (SELECT 1 FROM system_tools AS t WHERE t.system_id = s.system_id) THEN 'tools' END,
        CASE WHEN EXISTS (SELECT 1 FROM agent_credentials AS k WHERE k.system_id = s.system_id) THEN 'credentials' END,
        CASE WHEN EXISTS (SELECT 1 FROM tool_calls_resolved AS a WHERE a.system_id = s.system_id) THEN 'audit' END,
        CASE WHEN EXISTS (SELECT 1 FROM tool_calls_resolved AS a JOIN tool_call_targets USING (event_id)
                          WHERE a.system_id = s.system_id) THEN 'target_logs' END,
        CASE WHEN EXISTS (SELECT 1 FROM log_sinks AS l WHERE l.system_id = s.system_id) THEN 'sink_declarations' END
    ], lambda x: x IS NOT NULL)) AS evidence_present
FROM systems AS s;
