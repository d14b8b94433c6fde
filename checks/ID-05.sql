-- ID-05 Credentials end with the task. One row per short-lived (per-task) credential an agent of the
-- system holds: FAIL when it stayed valid longer after its last use than the policy's grace; the
-- last use is the credential's own record, else the agent's last logged call while it was valid.
-- A credential whose whole lifetime fits in the grace passes whatever its use; one with no use
-- on record and a longer life is UNKNOWN. Long-lived credentials are ID-03's concern: a system whose
-- agents hold only those has nothing to judge here.
WITH c AS (
    SELECT c.*, p.task_credential_grace_s AS grace_s
    FROM agent_credentials AS c JOIN system_policy AS p USING (system_id)
    WHERE NOT coalesce(c.revoked, false)
      AND c.kind IN ('oauth_access', 'jwt_svid', 'x509_svid', 'projected_token', 'vault_token', 'app_token',
                     'dynamic_secret')
),
last_call AS (
    SELECT c.source_format, c.credential_id, c.agent_id, max(t.occurred_at) AS last_call
    FROM c JOIN tool_calls_resolved AS t
      ON t.agent_id = c.agent_id AND t.occurred_at BETWEEN c.issued_at AND c.expires_at
    GROUP BY ALL
),
judged AS (
    SELECT c.*, coalesce(c.last_used_at, l.last_call) AS last_use,
           (epoch(c.expires_at) - epoch(coalesce(c.last_used_at, l.last_call)))::BIGINT AS valid_after_use_s
    FROM c LEFT JOIN last_call AS l USING (source_format, credential_id, agent_id)
)
SELECT
    system_id,
    'credential:' || source_format || ':' || credential_id AS resource,
    CASE WHEN lifetime_s IS NOT NULL AND lifetime_s <= grace_s THEN 'PASS'
         WHEN expires_at IS NULL THEN 'NOT_APPLICABLE'
         WHEN valid_after_use_s IS NULL THEN 'UNKNOWN'
         WHEN valid_after_use_s > grace_s THEN 'FAIL'
         ELSE 'PASS' END AS status,
    CASE WHEN lifetime_s IS NOT NULL AND lifetime_s <= grace_s THEN
              kind || ' ' || credential_id || ' lives ' || lifetime_s || ' s, within the ' || grace_s
              || ' s a task credential may outlive its task'
         WHEN expires_at IS NULL THEN kind || ' ' || credential_id || ' never expires (judged by ID-03)'
         WHEN valid_after_use_s IS NULL THEN 'no use of ' || kind || ' ' || credential_id || ' by agent ' || agent_id
              || ' is on record, so whether it ended with its task is unknown'
         ELSE kind || ' ' || credential_id || ' of agent ' || agent_id || ' stayed valid ' || valid_after_use_s
              || ' s after its last use at ' || last_use || ' (grace ' || grace_s || ' s)'
    END AS reason,
    valid_after_use_s || ' s valid after last use' AS observed,
    '<= ' || grace_s || ' s' AS expected,
    source_file || ':' || coalesce(source_line::VARCHAR, '') AS evidence
FROM judged
UNION ALL
SELECT system_id, 'credentials', 'NOT_APPLICABLE',
       'no agent of ' || system_id || ' holds a per-task credential', NULL, NULL, NULL
FROM agent_credentials
WHERE system_id IS NOT NULL
GROUP BY system_id
HAVING NOT bool_or(kind IN ('oauth_access', 'jwt_svid', 'x509_svid', 'projected_token', 'vault_token', 'app_token',
                            'dynamic_secret') AND NOT coalesce(revoked, false))
