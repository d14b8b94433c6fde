-- The one definition of a valid exception, used by findings (what is suppressed), the after-risk
-- verdicts, exceptions_audit, every report and `check --after-risk`. An exception suppresses
-- anything only when it is valid and active:
--   invalid  - a required field is blank, the owner approved it themselves (compared without case
--              or surrounding / repeated whitespace), it names an unknown system or check, the check
--              does not apply to that system (every result NOT_APPLICABLE), or it expires before it
--              was created;
--   expired  - the run's as-of date is after `expires` (`expires: D` applies through the end of day D);
--   not_yet_active - the as-of date is before `created`;
--   active   - otherwise.
-- Records that could not be read at all (missing fields, bad dates) are quarantined at load and
-- listed by exceptions_audit from the quarantine table.
CREATE OR REPLACE VIEW exception_validity AS
WITH ctx AS (SELECT as_of FROM run_context),
normalised AS (
    SELECT e.*,
           regexp_replace(lower(trim(e.owner)), '\s+', ' ', 'g') AS owner_key,
           regexp_replace(lower(trim(e.approver)), '\s+', ' ', 'g') AS approver_key
    FROM exceptions AS e
),
applicability AS (
    SELECT check_id, system_id, bool_or(status <> 'NOT_APPLICABLE') AS applies
    FROM check_results GROUP BY ALL
),
judged AS (
    SELECT
        e.*,
        CASE
            WHEN e.owner_key = '' THEN 'has no owner'
            WHEN e.approver_key = '' THEN 'has no approver'
            WHEN trim(e.reason) = '' THEN 'gives no reason'
            WHEN e.owner_key = e.approver_key THEN 'owner approved their own exception (' || trim(e.approver) || ')'
            WHEN NOT EXISTS (SELECT 1 FROM systems AS s WHERE s.system_id = e.system_id)
                THEN 'names unknown system ' || e.system_id
            WHEN NOT EXISTS (SELECT 1 FROM check_catalog AS c WHERE c.check_id = e.check_id)
                THEN 'names unknown check ' || e.check_id
            WHEN NOT coalesce(a.applies, true)
                THEN 'check ' || e.check_id || ' does not apply to ' || e.system_id
            WHEN e.expires < e.created THEN 'expires (' || e.expires || ') before it was created (' || e.created || ')'
        END AS invalid_reason
    FROM normalised AS e
    LEFT JOIN applicability AS a USING (check_id, system_id)
)
SELECT
    j.exception_id, j.check_id, j.system_id, j.resource, j.owner, j.approver, j.reason_kind, j.reason, j.ticket,
    j.created, j.expires,
    CASE WHEN j.invalid_reason IS NOT NULL THEN 'invalid'
         WHEN ctx.as_of > j.expires THEN 'expired'
         WHEN ctx.as_of < j.created THEN 'not_yet_active'
         ELSE 'active' END AS validity,
    CASE WHEN j.invalid_reason IS NOT NULL THEN 'invalid: ' || j.invalid_reason
         WHEN ctx.as_of > j.expires THEN 'expired at the end of ' || j.expires
         WHEN ctx.as_of < j.created THEN 'starts on ' || j.created
         ELSE 'valid through the end of ' || j.expires END AS validity_reason,
    j.invalid_reason IS NULL AND j.created <= ctx.as_of AND ctx.as_of <= j.expires AS applies,
    j.source_file, j.source_line
FROM judged AS j
CROSS JOIN ctx;
