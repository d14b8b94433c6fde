-- The answer per system (BLUEPRINT.md): CLEARED when all three gates pass at its tier; READ_ONLY
-- when identity and audit pass and scope passes once the agent is held to read-only tools;
-- otherwise BLOCKED. Missing evidence blocks with the reason "insufficient evidence".
-- verdict_after_risk applies accepted exceptions (exception_validity); the raw verdict is always
-- beside it. `tier` is the effective tier (derived_tier and effective_tier are both shown).
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
    -- checks are named by id and title wherever a person reads them ("ID-02 Agent authenticates ...")
    SELECT system_id,
           list_sort(list(check_id) FILTER (WHERE status = 'FAIL' AND NOT advisory)) AS failing_checks,
           list_sort(list(check_id) FILTER (WHERE status = 'UNKNOWN')) AS unknown_checks,
           list_sort(list(check_id) FILTER (WHERE status_after_risk = 'FAIL' AND NOT advisory))
               AS failing_checks_after_risk,
           list_sort(list(check_id) FILTER (WHERE status = 'FAIL' AND advisory)) AS advisory_checks,
           list_sort(list(check_id || ' ' || title) FILTER (WHERE status = 'FAIL' AND NOT advisory)) AS failing_named,
           list_sort(list(check_id || ' ' || title) FILTER (WHERE status = 'UNKNOWN')) AS unknown_named,
           list_sort(list(check_id || ' ' || title) FILTER (WHERE status = 'FAIL' AND advisory)) AS advisory_named
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
    t.derived_tier,
    t.effective_tier,
    t.tier_override_status,
    coalesce(j.verdict, 'BLOCKED') AS verdict,
    coalesce(j.verdict_after_risk, 'BLOCKED') AS verdict_after_risk,
    CASE
        WHEN coalesce(j.verdict, 'BLOCKED') = 'CLEARED' THEN 'all three gates pass at tier ' || t.tier
        WHEN j.verdict = 'READ_ONLY' THEN 'write access not cleared: ' || array_to_string(b.failing_named, ', ')
        WHEN len(b.failing_checks) > 0 AND len(b.unknown_checks) > 0 THEN
            'failing ' || array_to_string(b.failing_named, ', ')
            || '; insufficient evidence for ' || array_to_string(b.unknown_named, ', ')
        WHEN len(b.failing_checks) > 0 THEN 'failing ' || array_to_string(b.failing_named, ', ')
        ELSE 'insufficient evidence: ' || coalesce(array_to_string(b.unknown_named, ', '), 'no checks ran')
    END || CASE WHEN len(b.advisory_checks) > 0 THEN '; advisory at tier ' || t.tier || ' (holds no gate): '
                                                     || array_to_string(b.advisory_named, ', ') ELSE '' END AS reason,
    coalesce(len(b.unknown_checks), 0) > 0 AS insufficient_evidence,
    coalesce(j.identity, 'UNKNOWN') AS identity_gate,
    coalesce(j.scope, 'UNKNOWN') AS scope_gate,
    coalesce(j.audit, 'UNKNOWN') AS audit_gate,
    coalesce(b.failing_checks, []) AS failing_checks,
    coalesce(b.unknown_checks, []) AS unknown_checks,
    coalesce(b.failing_checks_after_risk, []) AS failing_checks_after_risk,
    coalesce(b.advisory_checks, []) AS advisory_checks,
    coalesce(j.coverage, 0) AS coverage
FROM systems AS s
JOIN system_tiers AS t USING (system_id)
LEFT JOIN judged AS j USING (system_id)
LEFT JOIN blockers AS b USING (system_id);
