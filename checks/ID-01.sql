-- ID-01 Each agent has its own identity. One row per agent serving the system: FAIL when a name the
-- agent appears under belongs to another agent or a person too, or when a secret in its connector
-- configuration is also in another agent's; PASS when its credentials are its own; UNKNOWN when no
-- credential inventory names it.
WITH sys_agents AS (
    SELECT DISTINCT system_id, agent_id FROM system_connectors
),
shared_identity AS (
    SELECT i.agent_id,
           list(DISTINCT i.identity ORDER BY i.identity) AS names,
           list(DISTINCT o.agent_id || coalesce(' (' || oa.kind || ')', '') ORDER BY o.agent_id || coalesce(' (' || oa.kind || ')', '')) AS others,
           list(DISTINCT i.source_file ORDER BY i.source_file) AS files
    FROM agent_identities AS i
    JOIN agent_identities AS o ON o.identity = i.identity AND o.agent_id <> i.agent_id
    LEFT JOIN agents AS oa ON oa.agent_id = o.agent_id
    GROUP BY i.agent_id
),
agent_secrets AS (
    SELECT DISTINCT sc.agent_id, v.fingerprint, v.display_value, v.source_file
    FROM connector_values AS v JOIN system_connectors AS sc USING (connector_id)
    WHERE v.fingerprint IS NOT NULL
),
shared_secret AS (
    SELECT s.agent_id,
           list(DISTINCT s.display_value || ' ' || s.fingerprint ORDER BY s.display_value || ' ' || s.fingerprint) AS secrets,
           list(DISTINCT o.agent_id ORDER BY o.agent_id) AS others,
           list(DISTINCT s.source_file ORDER BY s.source_file) || list(DISTINCT o.source_file ORDER BY o.source_file) AS files
    FROM agent_secrets AS s
    JOIN agent_secrets AS o ON o.fingerprint = s.fingerprint AND o.agent_id <> s.agent_id
    GROUP BY s.agent_id
),
own_credentials AS (
    SELECT agent_id, count(DISTINCT source_format || ':' || credential_id) AS n,
           list(DISTINCT source_file || ':' || coalesce(source_line::VARCHAR, '')
                ORDER BY source_file || ':' || coalesce(source_line::VARCHAR, '')) AS files
    FROM agent_credentials WHERE agent_id IS NOT NULL GROUP BY agent_id
)
SELECT
    a.system_id,
    'agent:' || a.agent_id AS resource,
    CASE WHEN si.agent_id IS NOT NULL OR ss.agent_id IS NOT NULL THEN 'FAIL'
         WHEN oc.agent_id IS NOT NULL THEN 'PASS'
         ELSE 'UNKNOWN' END AS status,
    CASE
        WHEN si.agent_id IS NOT NULL THEN
            'agent ' || a.agent_id || ' runs as ' || array_to_string(si.names, ', ') || ', which also belongs to '
            || array_to_string(si.others, ', ')
        WHEN ss.agent_id IS NOT NULL THEN
            'agent ' || a.agent_id || ' uses the same secret as ' || array_to_string(ss.others, ', ')
        WHEN oc.agent_id IS NOT NULL THEN
            'agent ' || a.agent_id || ' holds ' || oc.n || ' credential(s) of its own, shared with no other agent or person'
        ELSE 'no credential inventory names agent ' || a.agent_id || ', so whether its identity is its own is unknown'
    END AS reason,
    CASE
        WHEN si.agent_id IS NOT NULL THEN 'identity shared with ' || array_to_string(si.others, ', ')
        WHEN ss.agent_id IS NOT NULL THEN 'secret ' || array_to_string(ss.secrets, ', ') || ' shared with '
                                          || array_to_string(ss.others, ', ')
        WHEN oc.agent_id IS NOT NULL THEN oc.n || ' credential(s), none shared'
    END AS observed,
    'every credential, secret and identity used by exactly one agent' AS expected,
    array_to_string(coalesce(si.files, ss.files, oc.files), ', ') AS evidence
FROM sys_agents AS a
LEFT JOIN shared_identity AS si USING (agent_id)
LEFT JOIN shared_secret AS ss USING (agent_id)
LEFT JOIN own_credentials AS oc USING (agent_id)
