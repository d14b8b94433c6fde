-- AU-04 Calls link to the target system's own log. One row per system with logged calls: FAIL when
-- the share of calls joined to a target-system event (session tag, request id, or the delegated user
-- and agent within five minutes; view tool_call_targets) is below the tier's linkage. Tiers whose
-- policy requires no linkage do not apply. No calls: UNKNOWN (filled by the engine).
SELECT
    d.system_id,
    'calls' AS resource,
    CASE WHEN any_value(p.target_linkage) IS NULL THEN 'NOT_APPLICABLE'
         WHEN sum(d.with_target_event) / sum(d.calls) >= any_value(p.target_linkage) THEN 'PASS'
         ELSE 'FAIL' END AS status,
    round(100 * (sum(d.with_target_event) / sum(d.calls)), 2) || ' % of ' || sum(d.calls) || ' calls on ' || d.system_id
        || ' link to an event in the target system''s log; tier ' || any_value(p.tier)
        || coalesce(' needs ' || round(100 * any_value(p.target_linkage), 2) || ' %', ' requires no linkage')
        AS reason,
    round(100 * (sum(d.with_target_event) / sum(d.calls)), 2) || ' %' AS observed,
    coalesce('>= ' || round(100 * any_value(p.target_linkage), 2) || ' %', 'not required') AS expected,
    string_agg(DISTINCT d.source_file, ', ' ORDER BY d.source_file) AS evidence
FROM tool_call_daily_in_window AS d
JOIN system_policy AS p USING (system_id)
GROUP BY d.system_id
