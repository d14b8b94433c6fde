-- AU-04 Calls link to the target system's own log. One row per system with logged calls: FAIL when
-- the share of calls joined to a target-system event (session tag, request id, or the delegated user
-- and agent within five minutes; view tool_call_targets) is below the tier's linkage. Tiers whose
-- policy requires no linkage do not apply. No calls: UNKNOWN (filled by the engine).
SELECT
    c.system_id,
    'calls' AS resource,
    CASE WHEN any_value(p.target_linkage) IS NULL THEN 'NOT_APPLICABLE'
         WHEN avg((c.target_event_id IS NOT NULL)::INT) >= any_value(p.target_linkage) THEN 'PASS'
         ELSE 'FAIL' END AS status,
    round(100 * avg((c.target_event_id IS NOT NULL)::INT), 2) || ' % of ' || count(*) || ' calls on ' || c.system_id
        || ' link to an event in the target system''s log; tier ' || any_value(p.tier)
        || coalesce(' needs ' || round(100 * any_value(p.target_linkage), 2) || ' %', ' requires no linkage')
        AS reason,
    round(100 * avg((c.target_event_id IS NOT NULL)::INT), 2) || ' %' AS observed,
    coalesce('>= ' || round(100 * any_value(p.target_linkage), 2) || ' %', 'not required') AS expected,
    string_agg(DISTINCT c.source_file, ', ' ORDER BY c.source_file) AS evidence
FROM tool_calls_in_window AS c
JOIN system_policy AS p USING (system_id)
GROUP BY c.system_id
