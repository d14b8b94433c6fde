-- For every run in the history, what changed against the run before it (new / unchanged / resolved /
-- incomparable, defined in finding_deltas.sql): the remediation trend per run. A published database
-- always holds its own run in findings_history (run.record_run), so finding_deltas reads the latest pair here.
CREATE OR REPLACE VIEW finding_changes_per_run AS
WITH pairs AS (
    SELECT as_of, lag(as_of) OVER (ORDER BY as_of) AS previous_as_of
    FROM (SELECT DISTINCT as_of FROM findings_history)
),
cur AS (
    SELECT p.as_of AS run, h.* FROM findings_history AS h JOIN pairs AS p ON h.as_of = p.as_of
),
prev AS (
    SELECT p.as_of AS run, h.* FROM findings_history AS h JOIN pairs AS p ON h.as_of = p.previous_as_of
),
evidence AS (
    SELECT DISTINCT as_of AS run, system_id, evidence_present FROM findings_history
),
check_hashes AS (
    SELECT DISTINCT as_of AS run, check_id, check_hash FROM findings_history
)
SELECT
    coalesce(cur.run, prev.run) AS as_of,
    any_value(p.previous_as_of) OVER (PARTITION BY coalesce(cur.run, prev.run)) AS previous_as_of,
    coalesce(cur.finding_id, prev.finding_id) AS finding_id,
    coalesce(cur.check_id, prev.check_id) AS check_id,
    coalesce(cur.system_id, prev.system_id) AS system_id,
    coalesce(cur.resource, prev.resource) AS resource,
    prev.status AS previous_status,
    cur.status AS current_status,
    CASE
        WHEN cur.status = 'FAIL' AND coalesce(prev.status, '') <> 'FAIL' THEN 'new'
        WHEN cur.status = 'FAIL' THEN 'unchanged'
        WHEN cur.status = 'UNKNOWN' OR k.check_hash IS DISTINCT FROM prev.check_hash
             OR NOT list_has_all(coalesce(e.evidence_present, []), prev.evidence_present) THEN 'incomparable'
        ELSE 'resolved'
    END AS delta
FROM cur
FULL OUTER JOIN prev ON prev.run = cur.run AND prev.finding_id = cur.finding_id
JOIN pairs AS p ON p.as_of = coalesce(cur.run, prev.run)
LEFT JOIN check_hashes AS k ON k.run = coalesce(cur.run, prev.run) AND k.check_id = coalesce(cur.check_id, prev.check_id)
LEFT JOIN evidence AS e ON e.run = coalesce(cur.run, prev.run) AND e.system_id = coalesce(cur.system_id, prev.system_id)
WHERE cur.status = 'FAIL' OR prev.status = 'FAIL';
