-- Which configured MCP server serves which system, on behalf of which agent.
-- A config file is assigned in inventory.yaml by glob; an assignment may name a subset of servers.
CREATE OR REPLACE VIEW system_connectors AS
SELECT DISTINCT
    a.system_id,
    a.agent_id,
    c.*
FROM connector_servers AS c
JOIN connector_assignments AS a
  ON c.source_file GLOB a.config_glob
 AND (a.server_name IS NULL OR a.server_name = c.server_name);
