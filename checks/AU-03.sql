-- AU-03 Calls name the delegating user or workflow. One row per system with logged calls in the review window: FAIL when the
-- share of calls carrying the delegated user is below the tier's coverage; a user named only through a
-- truncated or malformed delegation chain is not proven. No calls: UNKNOWN (filled by the engine, never a pass).
SELECT
    c.system_id,
    'calls' AS resource,
    CASE WHEN avg(c.user_proven::INT) >= any_value(p.user_coverage) THEN 'PASS' ELSE 'FAIL' END AS status,
    round(100 * avg(c.user_proven::INT), 2) || ' % of ' || count(*) || ' calls on ' || c.system_id
        || ' carry the delegated user; tier ' || any_value(p.tier) || ' needs ' || round(100 * any_value(p.user_coverage), 2)
        || ' %' AS reason,
    round(100 * avg(c.user_proven::INT), 2) || ' %' AS observed,
    '>= ' || round(100 * any_value(p.user_coverage), 2) || ' %' AS expected,
    string_agg(DISTINCT c.source_file, ', ' ORDER BY c.source_file) AS evidence
FROM (SELECT *, delegated_user IS NOT NULL AND NOT coalesce(delegation_incomplete, false) AS user_proven
      FROM tool_calls_in_window) AS c
JOIN system_policy AS p USING (system_id)
GROUP BY c.system_id
