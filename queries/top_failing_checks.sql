-- Checks ranked by how many systems they hold back (unsuppressed failures).
CREATE OR REPLACE VIEW top_failing_checks AS
SELECT check_id, any_value(title) AS title, any_value(gate) AS gate, any_value(severity) AS severity,
       count(DISTINCT system_id) AS systems_failing, count(*) AS failing_resources
FROM findings
WHERE status = 'FAIL' AND NOT suppressed
GROUP BY check_id
ORDER BY systems_failing DESC, failing_resources DESC, check_id;
