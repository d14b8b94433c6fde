-- One status per system and check: any FAIL fails it, else any UNKNOWN leaves it unknown, else it
-- passes (NOT_APPLICABLE when nothing applied). "after_risk" ignores FAIL results an active
-- exception accepts; the raw status is always kept beside it.
CREATE OR REPLACE VIEW system_check_status AS
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
GROUP BY system_id, check_id;
