-- Credentials resolved to the agents that hold them (through agent_identities) and to the
-- systems those agents serve. A credential whose principal matches no agent keeps agent_id NULL. A SPIRE
-- registration that lapsed before the as-of date gives no live identity and is left out.
CREATE OR REPLACE VIEW agent_credentials AS
SELECT DISTINCT
    c.*,
    i.agent_id,
    sc.system_id
FROM credentials AS c
LEFT JOIN agent_identities AS i ON i.identity = c.principal
LEFT JOIN (SELECT DISTINCT system_id, agent_id FROM system_connectors) AS sc ON sc.agent_id = i.agent_id
WHERE c.registration_expires_at IS NULL OR c.registration_expires_at >= (SELECT as_of FROM run_context);
