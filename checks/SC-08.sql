-- SC-08 Every call is judged at request time. One row per system with logged calls: FAIL when the
-- share of calls carrying a policy decision (allow / deny) is below the tier's coverage for agent
-- identity (the same bar: every call, proven). No calls: UNKNOWN (filled by the engine).
SELECT
    c.system_id,
    'calls' AS resource,
    CASE WHEN avg((c.policy_decision IS NOT NULL)::INT) >= any_value(p.agent_coverage) THEN 'PASS' ELSE 'FAIL' END
        AS status,
    round(100 * avg((c.policy_decision IS NOT NULL)::INT), 2) || ' % of ' || count(*) || ' calls on ' || c.system_id
        || ' carry a policy decision; tier ' || any_value(p.tier) || ' needs '
        || round(100 * any_value(p.agent_coverage), 2) || ' %' AS reason,
    round(100 * avg((c.policy_decision IS NOT NULL)::INT), 2) || ' %' AS observed,
    '>= ' || round(100 * any_value(p.agent_coverage), 2) || ' %' AS expected,
    string_agg(DISTINCT c.source_file, ', ' ORDER BY c.source_file) AS evidence
FROM tool_calls_in_window AS c
JOIN system_policy AS p USING (system_id)
GROUP BY c.system_id
