-- One row per system for the Systems list: verdict raw and after accepted risk, tier, the three
-- gates, who owns it, and the checks standing between it and its next stage (its path_to_clearance)
-- as "ID · title" labels, with how many fixes that takes.
CREATE OR REPLACE VIEW system_overview AS
WITH blocking AS (
    SELECT
        system_id,
        list(check_id ORDER BY step) AS blocking_check_ids,
        list(check_id || ' · ' || title ORDER BY step) AS blocking_checks,
        count(*) AS fixes_to_next_stage,
        any_value(next_stage) AS next_stage
    FROM path_to_clearance
    GROUP BY system_id
)
SELECT
    v.system_id,
    v.system_name,
    v.verdict,
    v.verdict_after_risk,
    v.insufficient_evidence,
    t.tier,  -- effective tier
    t.derived_tier,
    v.tier_reason,
    v.identity_gate,
    v.scope_gate,
    v.audit_gate,
    v.owner,
    v.team,
    v.business_unit,
    v.environment,
    coalesce(b.next_stage, 'CLEARED') AS next_stage,
    coalesce(b.fixes_to_next_stage, 0) AS fixes_to_next_stage,
    coalesce(b.blocking_check_ids, []) AS blocking_check_ids,
    coalesce(b.blocking_checks, []) AS blocking_checks,
    v.reason,
    v.coverage
FROM verdicts AS v
JOIN system_tiers AS t USING (system_id)
LEFT JOIN blocking AS b USING (system_id);
