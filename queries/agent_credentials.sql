-- Credentials resolved to the agents that hold them (through agent_identities) and to the
-- systems those agents serve. A credential whose principal matches no agent keeps agent_id NULL.
CREATE OR REPLACE VIEW agent_credentials AS
SELECT DISTINCT
    c.*,
    i.agent_id,
    sc.system_id
FROM credentials AS c
LEFT JOIN agent_identities AS i ON i.identity = c.principal
LEFT JOIN (SELECT DISTINCT system_id, agent_id FROM system_connectors) AS sc ON sc.agent_id = i.agent_id;
