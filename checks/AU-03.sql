-- AU-03 Calls name the delegating user or workflow. One row per system with logged calls in the review window: FAIL when the
-- share of calls carrying the delegated user is below the tier's coverage; a user named only through a
-- truncated or malformed delegation chain is not proven. No calls: UNKNOWN (filled by the engine, never a pass).
SELECT
    d.system_id,
    'calls' AS resource,
    CASE WHEN sum(d.with_proven_user) / sum(d.calls) >= any_value(p.user_coverage) THEN 'PASS' ELSE 'FAIL' END AS status,
    round(100 * (sum(d.with_proven_user) / sum(d.calls)), 2) || ' % of ' || sum(d.calls) || ' calls on ' || d.system_id
        || ' carry the delegated user; tier ' || any_value(p.tier) || ' needs ' || round(100 * any_value(p.user_coverage), 2)
        || ' %' AS reason,
    round(100 * (sum(d.with_proven_user) / sum(d.calls)), 2) || ' %' AS observed,
    '>= ' || round(100 * any_value(p.user_coverage), 2) || ' %' AS expected,
    string_agg(DISTINCT d.source_file, ', ' ORDER BY d.source_file) AS evidence
FROM tool_call_daily_in_window AS d
JOIN system_policy AS p USING (system_id)
GROUP BY d.system_id
