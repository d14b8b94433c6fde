-- The tools each agent can call on each system: what its servers list, narrowed by the client's
-- allow/deny lists where the client has them. A server without a tool listing contributes no rows;
-- checks that need tools treat that as missing evidence.
CREATE OR REPLACE VIEW system_tools AS
SELECT
    sc.system_id,
    sc.agent_id,
    sc.connector_id,
    sc.client,
    sc.server_name,
    t.*  EXCLUDE (server_name, source_file),
    t.source_file AS listing_file,
    sc.tools_allow IS NOT NULL AS allowlisted
FROM system_connectors AS sc
JOIN tool_capabilities AS t ON t.server_name = sc.server_name
WHERE (sc.tools_allow IS NULL OR list_contains(sc.tools_allow, t.tool_name))
  AND (sc.tools_deny IS NULL OR NOT list_contains(sc.tools_deny, t.tool_name))
  AND coalesce(sc.enabled, true);
