-- What changed since the previous run (the latest earlier as_of in the history):
--   new          failing now, not failing before
--   unchanged    failing in both runs
--   resolved     failed before, passes, no longer applies or its resource is gone, on the same
--                evidence families and the same check
--   incomparable failed before, but the check changed, it is unknown now, or the system lost an
--                evidence family it had, so nothing is proven
CREATE OR REPLACE VIEW finding_deltas AS
WITH ctx AS (SELECT as_of FROM run_context),
prev_run AS (
    SELECT max(h.as_of) AS as_of FROM findings_history AS h, ctx WHERE h.as_of < ctx.as_of
),
prev AS (
    SELECT h.* FROM findings_history AS h JOIN prev_run AS p ON h.as_of = p.as_of
),
cur AS (
    SELECT * FROM findings
)
SELECT
    coalesce(cur.finding_id, prev.finding_id) AS finding_id,
    coalesce(cur.check_id, prev.check_id) AS check_id,
    coalesce(cur.system_id, prev.system_id) AS system_id,
    coalesce(cur.resource, prev.resource) AS resource,
    prev.status AS previous_status,
    cur.status AS current_status,
    (SELECT as_of FROM prev_run) AS previous_as_of,
    CASE
        WHEN cur.status = 'FAIL' AND coalesce(prev.status, '') <> 'FAIL' THEN 'new'
        WHEN cur.status = 'FAIL' THEN 'unchanged'
        WHEN cur.status = 'UNKNOWN' OR k.check_hash IS DISTINCT FROM prev.check_hash
             OR NOT list_has_all(coalesce(e.evidence_present, []), prev.evidence_present) THEN 'incomparable'
        ELSE 'resolved'
    END AS delta
FROM cur
FULL OUTER JOIN prev USING (finding_id)
LEFT JOIN check_catalog AS k ON k.check_id = coalesce(cur.check_id, prev.check_id)
LEFT JOIN system_evidence AS e ON e.system_id = coalesce(cur.system_id, prev.system_id)
WHERE cur.status = 'FAIL' OR prev.status = 'FAIL';
