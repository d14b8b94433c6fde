-- ID-02 Agent authenticates with a workload identity, not a static secret. One row per credential an
-- agent of the system holds: FAIL when it is a static secret (access key, PAT, password, legacy
-- service-account token) and the system's tier forbids static secrets, and at every tier when the vendor
-- reports the key exposed or compromised (a GCP key Google marks SERVICE_ACCOUNT_KEY_EXPOSED).
SELECT
    c.system_id,
    'credential:' || c.source_format || ':' || c.credential_id AS resource,
    CASE WHEN coalesce(c.exposed, false) THEN 'FAIL'
         WHEN c.kind IN ('static_key', 'pat', 'password', 'legacy_sa_token') AND NOT p.static_secrets_allowed
         THEN 'FAIL' ELSE 'PASS' END AS status,
    CASE
        WHEN coalesce(c.exposed, false) THEN
            'agent ' || c.agent_id || ' holds ' || c.kind || ' ' || c.credential_id
            || ', which its vendor reports exposed or compromised: delete it and issue a new credential'
        WHEN c.kind IN ('static_key', 'pat', 'password', 'legacy_sa_token') AND NOT p.static_secrets_allowed THEN
            'agent ' || c.agent_id || ' signs in with a static secret (' || c.kind || ' ' || c.credential_id
            || ') and tier ' || p.tier || ' allows none'
        WHEN c.kind IN ('static_key', 'pat', 'password', 'legacy_sa_token') THEN
            'agent ' || c.agent_id || ' uses a static secret (' || c.kind || ' ' || c.credential_id
            || '), which tier ' || p.tier || ' allows when rotated (ID-06)'
        ELSE 'agent ' || c.agent_id || ' authenticates with ' || c.kind || ' ' || c.credential_id
    END AS reason,
    c.kind || CASE WHEN coalesce(c.exposed, false) THEN ' (exposed)' ELSE '' END AS observed,
    CASE WHEN p.static_secrets_allowed THEN 'any credential kind at tier ' || p.tier
         ELSE 'a workload identity or short-lived token at tier ' || p.tier END AS expected,
    c.source_file || ':' || coalesce(c.source_line::VARCHAR, '') AS evidence
FROM agent_credentials AS c
JOIN system_policy AS p USING (system_id)
WHERE NOT coalesce(c.revoked, false)
