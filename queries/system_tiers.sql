-- Each system's risk tier and the reason for it (CHECKS.md tier policy):
--   1 critical: financial / payment / credentials / production-record data, or agents whose tools
--               reach secrets, money, admin functions, destroy data, or write in production
--   2 high:     sensitive or personal data
--   3 moderate: internal data
--   4 low:      public or aggregated data
-- An explicit override in inventory.yaml wins and says why.
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
reach AS (
    SELECT
        st.system_id,
        list_sort(list_distinct(list(st.tool_name) FILTER (
            WHERE st.reaches_secrets OR st.is_financial OR st.is_admin OR st.is_destructive
               OR (st.is_write AND s.environment = 'production')))) AS critical_tools
    FROM system_tools AS st JOIN systems AS s USING (system_id)
    GROUP BY st.system_id
)
SELECT
    s.system_id,
    coalesce(s.tier_override, CASE WHEN len(r.critical_tools) > 0 THEN 1 ELSE d.tier END) AS tier,
    CASE
        WHEN s.tier_override IS NOT NULL THEN 'set in inventory: ' || s.tier_override_reason
        WHEN len(r.critical_tools) > 0 AND d.tier > 1 THEN
            'agent tools reach secrets, money, admin, destructive or production-write actions: '
            || array_to_string(r.critical_tools[1:5], ', ')
        ELSE d.reason
    END AS tier_reason,
    d.tier AS data_tier,
    s.tier_override
FROM systems AS s
JOIN data_tier AS d USING (system_id)
LEFT JOIN reach AS r USING (system_id);
