-- ID-03 Credential lifetime within the tier limit. One row per credential an agent of the system
-- holds: FAIL when it never expires (the credential tables keep expires_at NULL for that) or lives
-- longer than the tier allows; UNKNOWN when only its expiry is known and that alone does not decide.
-- Federated credentials and provider-held keys carry no secret the agent could keep, so no lifetime.
WITH c AS (
    SELECT c.*, p.tier, p.max_credential_lifetime_s AS max_s,
           (epoch(c.expires_at) - epoch((SELECT as_of FROM run_context)::TIMESTAMP))::BIGINT AS remaining_s
    FROM agent_credentials AS c JOIN system_policy AS p USING (system_id)
    WHERE NOT coalesce(c.revoked, false) AND c.kind NOT IN ('federated', 'managed_key')
),
judged AS (
    SELECT *,
        CASE WHEN lifetime_s IS NOT NULL THEN CASE WHEN lifetime_s > max_s THEN 'FAIL' ELSE 'PASS' END
             WHEN expires_at IS NULL THEN 'FAIL'
             WHEN remaining_s > max_s THEN 'FAIL'
             ELSE 'UNKNOWN' END AS status,
        kind || ' ' || credential_id || ' of agent ' || agent_id AS what
    FROM c
)
SELECT
    system_id,
    'credential:' || source_format || ':' || credential_id AS resource,
    status,
    CASE
        WHEN lifetime_s IS NOT NULL THEN what || ' lives ' || lifetime_s || ' s; tier ' || tier || ' allows at most '
                                         || max_s || ' s'
        WHEN expires_at IS NULL THEN what || ' never expires; tier ' || tier || ' allows at most ' || max_s || ' s'
        WHEN status = 'FAIL' THEN what || ' is still valid ' || remaining_s || ' s after the as-of date; tier '
                                  || tier || ' allows at most ' || max_s || ' s'
        ELSE 'the issue time of ' || what || ' is unknown, so its lifetime cannot be judged'
    END AS reason,
    CASE WHEN lifetime_s IS NOT NULL THEN lifetime_s || ' s'
         WHEN expires_at IS NULL THEN 'never expires'
         ELSE 'expires ' || expires_at END AS observed,
    '<= ' || max_s || ' s' AS expected,
    source_file || ':' || coalesce(source_line::VARCHAR, '') AS evidence
FROM judged
