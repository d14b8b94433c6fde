-- One row: the CISO's headline numbers for the current run.
CREATE OR REPLACE VIEW estate_summary AS
SELECT
    (SELECT as_of FROM run_context) AS as_of,
    count(*) AS systems,
    count(*) FILTER (WHERE verdict = 'CLEARED') AS cleared,
    count(*) FILTER (WHERE verdict = 'READ_ONLY') AS read_only,
    count(*) FILTER (WHERE verdict = 'BLOCKED') AS blocked,
    count(*) FILTER (WHERE verdict_after_risk = 'CLEARED') AS cleared_after_risk,
    count(*) FILTER (WHERE verdict_after_risk = 'READ_ONLY') AS read_only_after_risk,
    count(*) FILTER (WHERE verdict_after_risk = 'BLOCKED') AS blocked_after_risk,
    count(*) FILTER (WHERE insufficient_evidence) AS insufficient_evidence,
    round(avg(coverage), 4) AS evidence_coverage,
    (SELECT count(*) FROM exceptions_audit WHERE state = 'active' AND days_to_expiry <= 30) AS exceptions_expiring_30d,
    (SELECT count(*) FROM findings WHERE status = 'FAIL' AND NOT suppressed) AS open_findings,
    (SELECT count(*) FROM quarantine) AS quarantined_records
FROM verdicts;
