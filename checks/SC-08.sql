-- SC-08 Every call is judged at request time. One row per system with logged calls: FAIL when the
-- share of calls carrying a policy decision (allow / deny) is below the tier's coverage for agent
-- identity (the same bar: every call, proven). No calls: UNKNOWN (filled by the engine).
SELECT
    d.system_id,
    'calls' AS resource,
    CASE WHEN sum(d.with_policy_decision) / sum(d.calls) >= any_value(p.agent_coverage) THEN 'PASS' ELSE 'FAIL' END
        AS status,
    round(100 * (sum(d.with_policy_decision) / sum(d.calls)), 2) || ' % of ' || sum(d.calls) || ' calls on ' || d.system_id
        || ' carry a policy decision; tier ' || any_value(p.tier) || ' needs '
        || round(100 * any_value(p.agent_coverage), 2) || ' %' AS reason,
    round(100 * (sum(d.with_policy_decision) / sum(d.calls)), 2) || ' %' AS observed,
    '>= ' || round(100 * any_value(p.agent_coverage), 2) || ' %' AS expected,
    string_agg(DISTINCT d.source_file, ', ' ORDER BY d.source_file) AS evidence
FROM tool_call_daily_in_window AS d
JOIN system_policy AS p USING (system_id)
GROUP BY d.system_id
