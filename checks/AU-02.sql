-- AU-02 Calls name the agent (workload identity). One row per system with logged calls in the review window: FAIL when the
-- share of calls carrying the agent identity is below the tier's coverage. No calls: UNKNOWN (filled
-- by the engine, never a pass).
SELECT
    c.system_id,
    'calls' AS resource,
    CASE WHEN avg((c.agent_identity IS NOT NULL)::INT) >= any_value(p.agent_coverage) THEN 'PASS' ELSE 'FAIL' END AS status,
    round(100 * avg((c.agent_identity IS NOT NULL)::INT), 2) || ' % of ' || count(*) || ' calls on ' || c.system_id
        || ' carry the agent identity; tier ' || any_value(p.tier) || ' needs ' || round(100 * any_value(p.agent_coverage), 2)
        || ' %' AS reason,
    round(100 * avg((c.agent_identity IS NOT NULL)::INT), 2) || ' %' AS observed,
    '>= ' || round(100 * any_value(p.agent_coverage), 2) || ' %' AS expected,
    string_agg(DISTINCT c.source_file, ', ' ORDER BY c.source_file) AS evidence
FROM tool_calls_in_window AS c
JOIN system_policy AS p USING (system_id)
GROUP BY c.system_id
