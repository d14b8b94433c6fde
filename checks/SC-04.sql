-- SC-04 Credential scopes are minimal. One row per credential an agent of the system holds: FAIL when
-- a scope is a wildcard or omnibus grant; UNKNOWN when a kind that carries scopes (tokens, PATs,
-- Vault policies) has none on record. Credentials whose reach is set elsewhere (SVIDs, cloud keys
-- governed by IAM policy) do not apply; the tool checks judge that reach.
WITH c AS (
    SELECT c.*,
           list_filter(coalesce(c.scopes, []), lambda s: regexp_matches(lower(s),
               '^(\*|root|admin|full_access|all|repo|\.default|write:org|admin:.*|.*:\*|.*administration:write|repository_selection:all|https://www\.googleapis\.com/auth/cloud-platform|directory\.readwrite\.all)$'))
               AS broad
    FROM agent_credentials AS c
    WHERE NOT coalesce(c.revoked, false) AND c.system_id IS NOT NULL
)
SELECT
    system_id,
    'credential:' || source_format || ':' || credential_id AS resource,
    CASE WHEN len(broad) > 0 THEN 'FAIL'
         WHEN scopes IS NOT NULL THEN 'PASS'
         WHEN kind IN ('pat', 'oauth_access', 'oauth_refresh', 'vault_token', 'app_token') THEN 'UNKNOWN'
         ELSE 'NOT_APPLICABLE' END AS status,
    CASE WHEN len(broad) > 0 THEN kind || ' ' || credential_id || ' of agent ' || agent_id || ' grants broad scope(s) '
                                  || array_to_string(broad, ', ')
         WHEN scopes IS NOT NULL THEN kind || ' ' || credential_id || ' grants only ' || array_to_string(scopes, ', ')
         WHEN kind IN ('pat', 'oauth_access', 'oauth_refresh', 'vault_token', 'app_token') THEN
              'the scopes of ' || kind || ' ' || credential_id || ' are not on record'
         ELSE kind || ' ' || credential_id || ' carries no scopes; its reach is judged by the tool checks' END AS reason,
    array_to_string(scopes, ', ') AS observed,
    'no wildcard, admin or repository-wide scope' AS expected,
    source_file || ':' || coalesce(source_line::VARCHAR, '') AS evidence
FROM c
