-- One status per system and check: any FAIL fails it, else any UNKNOWN leaves it unknown, else it
-- passes (NOT_APPLICABLE when nothing applied). "after_risk" ignores FAIL results a valid, active
-- exception accepts (exception_validity); the raw status is always kept beside it.
-- advisory: the check's severity is one of the tier's advisory_severities (policy), so its failure is
-- shown but holds no gate. relieved_by_read_only: for a relievable check, whether re-evaluating it
-- over the agent's read-only tools alone passes (check_relief), with the reason.
CREATE OR REPLACE VIEW system_check_status AS
WITH per_check AS (
    SELECT
        system_id,
        check_id,
        any_value(gate) AS gate,
        any_value(severity) AS severity,
        any_value(title) AS title,
        any_value(read_only_relief) AS read_only_relief,
        CASE
            WHEN bool_or(status = 'FAIL') THEN 'FAIL'
            WHEN bool_or(status = 'UNKNOWN') THEN 'UNKNOWN'
            WHEN bool_or(status = 'PASS') THEN 'PASS'
            ELSE 'NOT_APPLICABLE'
        END AS status,
        CASE
            WHEN bool_or(status = 'FAIL' AND NOT suppressed) THEN 'FAIL'
            WHEN bool_or(status = 'UNKNOWN') THEN 'UNKNOWN'
            WHEN bool_or(status IN ('PASS', 'FAIL')) THEN 'PASS'
            ELSE 'NOT_APPLICABLE'
        END AS status_after_risk,
        count(*) FILTER (WHERE status = 'FAIL') AS failing_resources,
        count(*) FILTER (WHERE status = 'FAIL' AND suppressed) AS suppressed_resources,
        count(*) FILTER (WHERE status = 'UNKNOWN') AS unknown_resources
    FROM findings
    GROUP BY system_id, check_id
)
SELECT
    c.*,
    coalesce(list_contains(p.advisory_severities, c.severity), false) AS advisory,
    coalesce(r.relieved_by_read_only, false) AS relieved_by_read_only,
    coalesce(r.relieved_by_read_only_after_risk, false) AS relieved_by_read_only_after_risk,
    CASE WHEN c.read_only_relief AND c.status = 'FAIL' THEN r.relief_reason END AS relief_reason
FROM per_check AS c
LEFT JOIN system_policy AS p USING (system_id)
LEFT JOIN check_relief AS r USING (system_id, check_id);
