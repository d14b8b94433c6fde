-- ID-06 Static secrets are rotated. One row per static secret an agent of the system holds where its
-- tier allows static secrets: FAIL when it was last rotated (or, never rotated, issued) longer ago
-- than the tier allows; UNKNOWN when neither date is known. Where the tier allows no static secret
-- at all, ID-02 fails it and this check does not apply; neither does it where no agent holds one.
SELECT
    c.system_id,
    'credential:' || c.source_format || ':' || c.credential_id AS resource,
    CASE WHEN NOT p.static_secrets_allowed THEN 'NOT_APPLICABLE'
         WHEN coalesce(c.last_rotated_at, c.issued_at) IS NULL THEN 'UNKNOWN'
         WHEN (SELECT as_of FROM run_context) - coalesce(c.last_rotated_at, c.issued_at)::DATE > p.static_rotation_days
              THEN 'FAIL'
         ELSE 'PASS' END AS status,
    CASE WHEN NOT p.static_secrets_allowed THEN 'tier ' || p.tier || ' allows no static secret (see ID-02)'
         WHEN coalesce(c.last_rotated_at, c.issued_at) IS NULL THEN
              'when ' || c.kind || ' ' || c.credential_id || ' was last rotated is unknown'
         ELSE c.kind || ' ' || c.credential_id || ' of agent ' || c.agent_id || ' was last rotated '
              || ((SELECT as_of FROM run_context) - coalesce(c.last_rotated_at, c.issued_at)::DATE)
              || ' days ago; tier ' || p.tier || ' allows ' || p.static_rotation_days
    END AS reason,
    ((SELECT as_of FROM run_context) - coalesce(c.last_rotated_at, c.issued_at)::DATE) || ' days since rotation' AS observed,
    '<= ' || p.static_rotation_days || ' days' AS expected,
    c.source_file || ':' || coalesce(c.source_line::VARCHAR, '') AS evidence
FROM agent_credentials AS c
JOIN system_policy AS p USING (system_id)
WHERE NOT coalesce(c.revoked, false) AND c.kind IN ('static_key', 'pat', 'password', 'legacy_sa_token')
UNION ALL
SELECT system_id, 'credentials', 'NOT_APPLICABLE',
       'no agent of ' || system_id || ' holds a static secret', NULL, NULL, NULL
FROM agent_credentials
WHERE system_id IS NOT NULL
GROUP BY system_id
HAVING NOT bool_or(kind IN ('static_key', 'pat', 'password', 'legacy_sa_token') AND NOT coalesce(revoked, false))
