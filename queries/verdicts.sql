-- The answer per system (BLUEPRINT.md): CLEARED when all three gates pass at its tier; READ_ONLY
-- when identity and audit pass and scope passes once the agent is held to read-only tools;
-- otherwise BLOCKED. Missing evidence blocks with the reason "insufficient evidence".
-- verdict_after_risk applies accepted exceptions; the raw verdict is always beside it.
CREATE OR REPLACE VIEW verdicts AS
WITH g AS (
    SELECT
        system_id,
        any_value(status) FILTER (WHERE gate = 'identity') AS identity,
        any_value(status) FILTER (WHERE gate = 'scope') AS scope,
        any_value(status) FILTER (WHERE gate = 'audit') AS audit,
        any_value(status_after_risk) FILTER (WHERE gate = 'identity') AS identity_after_risk,
        any_value(status_after_risk) FILTER (WHERE gate = 'scope') AS scope_after_risk,
        any_value(status_after_risk) FILTER (WHERE gate = 'audit') AS audit_after_risk,
        bool_and(passes_read_only) FILTER (WHERE gate = 'scope') AS scope_read_only,
        bool_and(passes_read_only_after_risk) FILTER (WHERE gate = 'scope') AS scope_read_only_after_risk,
        round(avg(coverage), 4) AS coverage
    FROM gate_results GROUP BY system_id
),
blockers AS (
    SELECT system_id,
           list_sort(list(check_id) FILTER (WHERE status = 'FAIL')) AS failing_checks,
           list_sort(list(check_id) FILTER (WHERE status = 'UNKNOWN')) AS unknown_checks,
           list_sort(list(check_id) FILTER (WHERE status_after_risk = 'FAIL')) AS failing_checks_after_risk
    FROM system_check_status GROUP BY system_id
),
judged AS (
    SELECT
        g.*,
        CASE
            WHEN coalesce(identity, 'UNKNOWN') = 'PASS' AND coalesce(scope, 'UNKNOWN') = 'PASS'
                 AND coalesce(audit, 'UNKNOWN') = 'PASS' THEN 'CLEARED'
            WHEN identity = 'PASS' AND audit = 'PASS' AND coalesce(scope_read_only, false) THEN 'READ_ONLY'
            ELSE 'BLOCKED'
        END AS verdict,
        CASE
            WHEN coalesce(identity_after_risk, 'UNKNOWN') = 'PASS' AND coalesce(scope_after_risk, 'UNKNOWN') = 'PASS'
                 AND coalesce(audit_after_risk, 'UNKNOWN') = 'PASS' THEN 'CLEARED'
            WHEN identity_after_risk = 'PASS' AND audit_after_risk = 'PASS'
                 AND coalesce(scope_read_only_after_risk, false) THEN 'READ_ONLY'
            ELSE 'BLOCKED'
        END AS verdict_after_risk
    FROM g
)
SELECT
    s.system_id,
    s.name AS system_name,
    s.business_unit,
    s.team,
    s.owner,
    s.environment,
    t.tier,
    t.tier_reason,
    coalesce(j.verdict, 'BLOCKED') AS verdict,
    coalesce(j.verdict_after_risk, 'BLOCKED') AS verdict_after_risk,
    CASE
        WHEN coalesce(j.verdict, 'BLOCKED') = 'CLEARED' THEN 'all three gates pass at tier ' || t.tier
        WHEN j.verdict = 'READ_ONLY' THEN 'write access not cleared: ' || array_to_string(b.failing_checks, ', ')
        WHEN len(b.failing_checks) > 0 AND len(b.unknown_checks) > 0 THEN
            'failing ' || array_to_string(b.failing_checks, ', ')
            || '; insufficient evidence for ' || array_to_string(b.unknown_checks, ', ')
        WHEN len(b.failing_checks) > 0 THEN 'failing ' || array_to_string(b.failing_checks, ', ')
        ELSE 'insufficient evidence: ' || coalesce(array_to_string(b.unknown_checks, ', '), 'no checks ran')
    END AS reason,
    coalesce(len(b.unknown_checks), 0) > 0 AS insufficient_evidence,
    coalesce(j.identity, 'UNKNOWN') AS identity_gate,
    coalesce(j.scope, 'UNKNOWN') AS scope_gate,
    coalesce(j.audit, 'UNKNOWN') AS audit_gate,
    coalesce(b.failing_checks, []) AS failing_checks,
    coalesce(b.unknown_checks, []) AS unknown_checks,
    coalesce(b.failing_checks_after_risk, []) AS failing_checks_after_risk,
    coalesce(j.coverage, 0) AS coverage
FROM systems AS s
JOIN system_tiers AS t USING (system_id)
LEFT JOIN judged AS j USING (system_id)
LEFT JOIN blockers AS b USING (system_id);
