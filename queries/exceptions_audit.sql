-- Every exception with its state this run: active, expired, unused (active but accepts no
-- failing finding) or invalid (names a system or check that does not exist).
CREATE OR REPLACE VIEW exceptions_audit AS
WITH ctx AS (SELECT as_of FROM run_context),
used AS (SELECT exception_id, count(*) AS findings_covered FROM findings WHERE suppressed GROUP BY exception_id)
SELECT
    e.exception_id, e.check_id, e.system_id, e.resource, e.owner, e.approver, e.reason_kind, e.reason,
    e.ticket, e.created, e.expires,
    e.expires - ctx.as_of AS days_to_expiry,
    coalesce(u.findings_covered, 0) AS findings_covered,
    CASE
        WHEN NOT EXISTS (SELECT 1 FROM systems AS s WHERE s.system_id = e.system_id) THEN 'invalid'
        WHEN NOT EXISTS (SELECT 1 FROM check_catalog AS c WHERE c.check_id = e.check_id) THEN 'invalid'
        WHEN e.owner = e.approver THEN 'invalid'
        WHEN ctx.as_of >= e.expires THEN 'expired'
        WHEN ctx.as_of < e.created THEN 'not_yet_active'
        WHEN u.findings_covered IS NULL THEN 'unused'
        ELSE 'active'
    END AS state,
    CASE
        WHEN NOT EXISTS (SELECT 1 FROM systems AS s WHERE s.system_id = e.system_id)
            THEN 'names unknown system ' || e.system_id
        WHEN NOT EXISTS (SELECT 1 FROM check_catalog AS c WHERE c.check_id = e.check_id)
            THEN 'names unknown check ' || e.check_id
        WHEN e.owner = e.approver THEN 'owner approved their own exception'
        WHEN ctx.as_of >= e.expires THEN 'expired on ' || e.expires
        WHEN ctx.as_of < e.created THEN 'starts on ' || e.created
        WHEN u.findings_covered IS NULL THEN 'accepts no failing finding this run'
        ELSE 'accepts ' || u.findings_covered || ' finding(s)'
    END AS state_reason,
    e.source_file, e.source_line
FROM exceptions AS e
CROSS JOIN ctx
LEFT JOIN used AS u USING (exception_id);
