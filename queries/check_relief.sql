-- Per system and relievable check: is a failure relieved by holding the agent to read-only tools?
-- Relief is granted only when the same check, re-evaluated over the agent's read-only tools alone
-- (relief_results), has no FAIL and no UNKNOWN result for the system (after accepted risk: no FAIL a
-- valid, active exception does not accept). The reason says why relief was or was not granted.
CREATE OR REPLACE VIEW check_relief AS
WITH rerun AS (
    SELECT r.check_id, r.system_id, r.resource, r.status, r.reason,
           r.status = 'FAIL' AND EXISTS (
               SELECT 1 FROM exception_validity AS e
               WHERE e.applies AND e.check_id = r.check_id AND e.system_id = r.system_id
                 AND (e.resource IS NULL OR e.resource = r.resource)) AS accepted
    FROM relief_results AS r
),
per_check AS (
    SELECT c.check_id, s.system_id,
           coalesce(bool_or(r.status IN ('FAIL', 'UNKNOWN')), false) AS blocked,
           coalesce(bool_or(r.status = 'UNKNOWN' OR (r.status = 'FAIL' AND NOT r.accepted)), false)
               AS blocked_after_risk,
           string_agg(r.reason, '; ' ORDER BY r.resource) FILTER (WHERE r.status IN ('FAIL', 'UNKNOWN'))
               AS still_failing
    FROM check_catalog AS c
    CROSS JOIN systems AS s
    LEFT JOIN rerun AS r ON r.check_id = c.check_id AND r.system_id = s.system_id
    WHERE c.read_only_relief
    GROUP BY c.check_id, s.system_id
)
SELECT
    check_id,
    system_id,
    NOT blocked AS relieved_by_read_only,
    NOT blocked_after_risk AS relieved_by_read_only_after_risk,
    CASE WHEN blocked THEN 'read-only relief not granted: over the agent''s read-only tools alone ' || check_id
                           || ' still does not pass (' || still_failing || ')'
         ELSE 'read-only relief granted: over the agent''s read-only tools alone ' || check_id || ' passes' END
        AS relief_reason
FROM per_check;
