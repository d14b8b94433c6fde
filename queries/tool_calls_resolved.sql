-- Tool calls with the agent and system they belong to: the logged identity is matched against
-- the inventory's agent identities, the system through the connectors that serve that server
-- (narrowed to the agent's own connectors when the call names a known agent). A call without an
-- agent identity still belongs to the systems its server serves, so it counts against coverage.
CREATE OR REPLACE VIEW tool_calls_resolved AS
SELECT
    t.*,
    i.agent_id,
    sc.system_id
FROM tool_calls AS t
LEFT JOIN agent_identities AS i ON i.identity = t.agent_identity
LEFT JOIN (SELECT DISTINCT system_id, agent_id, server_name FROM system_connectors) AS sc
  ON sc.server_name = t.server_name AND (i.agent_id IS NULL OR sc.agent_id = i.agent_id);
