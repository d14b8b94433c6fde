-- Everything that judges a system less strictly than the shipped defaults, looser first:
-- - thresholds the organisation changed in policy.yaml (every threshold, including the policy-wide
--   review_window_days, task_credential_grace_s and remediation_sla_days, repeated per tier);
-- - tier overrides in inventory.yaml that differ from the derived tier (threshold `tier`, default =
--   derived tier, policy value = the override): a lowering with a tier_approver is `looser` and lists
--   the thresholds it loosens; a lowering without one is `not_applied` (the derived tier stays); a
--   raise is `stricter`.
CREATE OR REPLACE VIEW policy_deviation_report AS
WITH overrides AS (
    SELECT t.*, s.source_file
    FROM system_tiers AS t JOIN systems AS s USING (system_id)
    WHERE t.tier_override_status IN ('raised', 'lowered', 'lowering_not_applied')
),
loosened AS (
    -- what a lowering changes: each threshold that differs between the derived and the overridden tier
    SELECT o.system_id,
           string_agg(k.key || ' ' || k.derived_value || ' -> ' || k.override_value, ', ' ORDER BY k.key) AS detail
    FROM overrides AS o
    JOIN policy_thresholds AS d ON d.tier = o.derived_tier
    JOIN policy_thresholds AS v ON v.tier = o.tier_override
    CROSS JOIN LATERAL (
        SELECT unnest(['max_credential_lifetime_s', 'static_secrets_allowed', 'write_tools', 'agent_coverage',
                       'user_coverage', 'target_linkage', 'retention_days', 'tamper_evidence',
                       'advisory_severities', 'remediation_sla_days']) AS key,
               unnest([d.max_credential_lifetime_s::VARCHAR, d.static_secrets_allowed::VARCHAR, d.write_tools,
                       d.agent_coverage::VARCHAR, d.user_coverage::VARCHAR, coalesce(d.target_linkage::VARCHAR, 'none'),
                       d.retention_days::VARCHAR, d.tamper_evidence,
                       coalesce(nullif(array_to_string(d.advisory_severities, ', '), ''), 'none'),
                       d.remediation_sla_days::VARCHAR]) AS derived_value,
               unnest([v.max_credential_lifetime_s::VARCHAR, v.static_secrets_allowed::VARCHAR, v.write_tools,
                       v.agent_coverage::VARCHAR, v.user_coverage::VARCHAR, coalesce(v.target_linkage::VARCHAR, 'none'),
                       v.retention_days::VARCHAR, v.tamper_evidence,
                       coalesce(nullif(array_to_string(v.advisory_severities, ', '), ''), 'none'),
                       v.remediation_sla_days::VARCHAR]) AS override_value
    ) AS k
    WHERE o.tier_override > o.derived_tier AND k.derived_value <> k.override_value
    GROUP BY o.system_id
),
deviations AS (
    SELECT tier, threshold, default_value, policy_value, direction, source_file,
           NULL::VARCHAR AS system_id, NULL::VARCHAR AS detail
    FROM policy_deviations
    UNION ALL
    SELECT o.effective_tier, 'tier', o.derived_tier::VARCHAR, o.tier_override::VARCHAR,
           CASE o.tier_override_status WHEN 'lowered' THEN 'looser' WHEN 'raised' THEN 'stricter'
                ELSE 'not_applied' END,
           o.source_file, o.system_id,
           CASE o.tier_override_status
               WHEN 'lowered' THEN 'tier of ' || o.system_id || ' lowered from ' || o.derived_tier || ' to '
                                   || o.tier_override || ', approved by ' || o.tier_approver || ' ('
                                   || o.tier_override_reason || '); loosens ' || coalesce(l.detail, 'nothing')
               WHEN 'lowering_not_applied' THEN 'override of ' || o.system_id || ' to tier ' || o.tier_override
                                   || ' not applied: lowering the derived tier ' || o.derived_tier
                                   || ' needs a tier_approver; would loosen ' || coalesce(l.detail, 'nothing')
               ELSE 'tier of ' || o.system_id || ' raised from ' || o.derived_tier || ' to ' || o.tier_override
           END
    FROM overrides AS o LEFT JOIN loosened AS l USING (system_id)
)
SELECT * FROM deviations
ORDER BY direction = 'stricter', direction = 'not_applied', tier, threshold, system_id;
