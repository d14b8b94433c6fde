-- For each system not cleared: the failing and unknown checks whose fix moves it to the next
-- stage (BLOCKED -> READ_ONLY -> CLEARED), with remediation text and effort, easiest first.
-- To reach READ_ONLY every identity and audit check and every scope check except those relieved by
-- read-only operation (re-evaluated over the read-only tools, it passes) must pass; to reach CLEARED
-- everything must pass. Advisory failures (the tier's advisory_severities) hold no stage.
CREATE OR REPLACE VIEW path_to_clearance AS
SELECT
    v.system_id,
    v.tier,
    v.verdict,
    CASE WHEN v.verdict = 'BLOCKED' THEN 'READ_ONLY' ELSE 'CLEARED' END AS next_stage,
    s.check_id,
    s.gate,
    s.severity,
    s.title,
    s.status,
    c.remediation,
    c.effort,
    row_number() OVER (
        PARTITION BY v.system_id
        ORDER BY CASE c.effort WHEN 'low' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
                 CASE s.severity WHEN 'critical' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 ELSE 4 END,
                 s.check_id
    ) AS step
FROM verdicts AS v
JOIN system_check_status AS s USING (system_id)
JOIN check_catalog AS c USING (check_id)
WHERE v.verdict <> 'CLEARED'
  AND (s.status = 'UNKNOWN' OR (s.status = 'FAIL' AND NOT s.advisory))
  AND (v.verdict = 'READ_ONLY' OR NOT s.relieved_by_read_only);
