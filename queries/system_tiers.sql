-- Each system's risk tier and the reason for it (docs/checks.md, "Tier derivation"):
--   derived_tier 1 critical: financial / payment / credentials / production-record data, or an agent
--                            tool that reaches secrets, money or admin functions, is destructive, or
--                            writes in production without being named in the client's tool allowlist
--                2 high:     sensitive or personal data
--                3 moderate: internal data
--                4 low:      public or aggregated data (or no class above)
-- An override in inventory.yaml that raises (or confirms) the derived tier is applied. One that lowers
-- it (a larger tier number) is applied only with a tier_approver, and is then a policy deviation
-- (policy_deviation_report); without an approver the derived tier stays and the override is flagged.
-- `tier` is the effective tier every threshold and verdict uses (= effective_tier).
CREATE OR REPLACE VIEW system_tiers AS
WITH data_tier AS (
    SELECT
        system_id,
        CASE
            WHEN list_has_any(data_classes, ['financial', 'payment', 'credentials', 'production_records']) THEN 1
            WHEN list_has_any(data_classes, ['customer_pii', 'personal', 'health', 'confidential']) THEN 2
            WHEN list_has_any(data_classes, ['internal']) THEN 3
            ELSE 4
        END AS tier,
        'data classes: ' || array_to_string(list_sort(data_classes), ', ') AS reason
    FROM systems
),
critical AS (
    SELECT st.system_id, st.tool_name,
           array_to_string(list_filter([
               CASE WHEN st.reaches_secrets THEN 'secrets' END,
               CASE WHEN st.is_financial THEN 'money' END,
               CASE WHEN st.is_admin THEN 'admin' END,
               CASE WHEN st.is_destructive THEN 'destructive' END,
               CASE WHEN st.is_write AND s.environment = 'production' AND NOT st.allowlisted
                    THEN 'production write, not allowlisted' END], lambda x: x IS NOT NULL), ', ') AS what
    FROM system_tools AS st JOIN systems AS s USING (system_id)
),
reach AS (
    SELECT system_id, list_sort(list_distinct(list(tool_name || ' (' || what || ')'))) AS critical_tools
    FROM critical WHERE what <> '' GROUP BY system_id
),
derived AS (
    SELECT
        s.system_id,
        CASE WHEN array_length(r.critical_tools) > 0 THEN 1 ELSE d.tier END AS derived_tier,
        CASE WHEN array_length(r.critical_tools) > 0 AND d.tier > 1 THEN
                 'agent tools reach secrets, money, admin, destructive or unallowlisted production-write actions: '
                 || array_to_string(r.critical_tools[1:5], ', ')
             ELSE d.reason END AS derived_reason,
        d.tier AS data_tier,
        s.tier_override,
        s.tier_override_reason,
        nullif(trim(s.tier_approver), '') AS tier_approver
    FROM systems AS s
    JOIN data_tier AS d USING (system_id)
    LEFT JOIN reach AS r USING (system_id)
),
overridden AS (
    SELECT *,
        CASE WHEN tier_override IS NULL THEN NULL
             WHEN tier_override < derived_tier THEN 'raised'
             WHEN tier_override = derived_tier THEN 'confirmed'
             WHEN tier_approver IS NOT NULL THEN 'lowered'
             ELSE 'lowering_not_applied' END AS tier_override_status
    FROM derived
)
SELECT
    system_id,
    CASE WHEN tier_override_status IN ('raised', 'confirmed', 'lowered') THEN tier_override ELSE derived_tier END
        AS tier,
    CASE tier_override_status
        WHEN 'raised' THEN 'set in inventory: ' || tier_override_reason || ' (raised from derived tier '
                           || derived_tier || ', ' || derived_reason || ')'
        WHEN 'confirmed' THEN 'set in inventory: ' || tier_override_reason || ' (' || derived_reason || ')'
        WHEN 'lowered' THEN 'lowered in inventory from derived tier ' || derived_tier || ' (' || derived_reason
                            || ') to tier ' || tier_override || ', approved by ' || tier_approver || ': '
                            || tier_override_reason
        WHEN 'lowering_not_applied' THEN derived_reason || '; the inventory override to tier ' || tier_override
                                         || ' is not applied: lowering the derived tier needs a tier_approver'
        ELSE derived_reason
    END AS tier_reason,
    data_tier,
    tier_override,
    derived_tier,
    CASE WHEN tier_override_status IN ('raised', 'confirmed', 'lowered') THEN tier_override ELSE derived_tier END
        AS effective_tier,
    derived_reason,
    tier_override_status,
    tier_override_reason,
    tier_approver
FROM overridden;
