-- Every exception with its state this run, from the one definition in exception_validity:
-- invalid, expired, not_yet_active, unused (valid and active but accepting no failing finding) or
-- active. Exception records that could not be loaded (a missing field, an unreadable date) are
-- listed too, as invalid with the loader's reason, so no exception silently disappears.
CREATE OR REPLACE VIEW exceptions_audit AS
WITH ctx AS (SELECT as_of FROM run_context),
used AS (SELECT exception_id, count(*) AS findings_covered FROM findings WHERE suppressed GROUP BY exception_id)
SELECT
    v.exception_id, v.check_id, v.system_id, v.resource, v.owner, v.approver, v.reason_kind, v.reason,
    v.ticket, v.created, v.expires,
    v.expires - ctx.as_of AS days_to_expiry,
    coalesce(u.findings_covered, 0) AS findings_covered,
    CASE WHEN v.validity = 'active' AND u.findings_covered IS NULL THEN 'unused' ELSE v.validity END AS state,
    CASE WHEN v.validity <> 'active' THEN v.validity_reason
         WHEN u.findings_covered IS NULL THEN 'accepts no failing finding this run'
         ELSE 'accepts ' || u.findings_covered || ' finding(s); ' || v.validity_reason END AS state_reason,
    v.source_file, v.source_line
FROM exception_validity AS v
CROSS JOIN ctx
LEFT JOIN used AS u USING (exception_id)
UNION ALL
SELECT
    'unloaded record at ' || q.source_file || coalesce(':' || q.line, ''), NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, 0, 'invalid', 'invalid: not loaded: ' || string_agg(q.reason, '; ' ORDER BY q.reason),
    q.source_file, q.line::INTEGER
FROM quarantine AS q
WHERE q.family = 'inventory' AND (q.source_file = 'exceptions.yaml' OR q.source_file LIKE '%/exceptions.yaml')
GROUP BY q.source_file, q.line;
