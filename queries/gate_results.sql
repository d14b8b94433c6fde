-- Per system and gate: pass / fail / unknown counts over its checks, the gate's status (FAIL if
-- any check fails, UNKNOWN if any is unknown, PASS only when every applicable check passed) and
-- coverage: the share of applicable checks whose evidence was present (not UNKNOWN).
-- A failure of an advisory severity at the system's tier (policy advisory_severities) is counted in
-- `advisory` and holds no gate; an UNKNOWN always holds its gate, whatever the severity.
CREATE OR REPLACE VIEW gate_results AS
SELECT
    system_id,
    gate,
    count(*) FILTER (WHERE status = 'PASS') AS passed,
    count(*) FILTER (WHERE status = 'FAIL') AS failed,
    count(*) FILTER (WHERE status = 'UNKNOWN') AS unknown,
    count(*) FILTER (WHERE status = 'NOT_APPLICABLE') AS not_applicable,
    count(*) FILTER (WHERE status = 'FAIL' AND advisory) AS advisory,
    CASE
        WHEN bool_or(status = 'FAIL' AND NOT advisory) THEN 'FAIL'
        WHEN bool_or(status = 'UNKNOWN') THEN 'UNKNOWN'
        ELSE 'PASS'
    END AS status,
    CASE
        WHEN bool_or(status_after_risk = 'FAIL' AND NOT advisory) THEN 'FAIL'
        WHEN bool_or(status_after_risk = 'UNKNOWN') THEN 'UNKNOWN'
        ELSE 'PASS'
    END AS status_after_risk,
    -- would the gate pass if the agent were held to read-only tools? Only a relievable check whose
    -- re-evaluation over the read-only tools passes is lifted (check_relief)
    NOT bool_or(status = 'UNKNOWN' OR (status = 'FAIL' AND NOT advisory AND NOT relieved_by_read_only))
        AS passes_read_only,
    NOT bool_or(status_after_risk = 'UNKNOWN'
                OR (status_after_risk = 'FAIL' AND NOT advisory AND NOT relieved_by_read_only_after_risk))
        AS passes_read_only_after_risk,
    round(count(*) FILTER (WHERE status IN ('PASS', 'FAIL'))
          / greatest(count(*) FILTER (WHERE status <> 'NOT_APPLICABLE'), 1), 4) AS coverage
FROM system_check_status
GROUP BY system_id, gate;
