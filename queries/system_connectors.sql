-- Which configured MCP server serves which system, on behalf of which agent.
-- A config file is assigned in inventory.yaml by glob; an assignment may name a subset of servers.
-- connector_ref names the definition for people and is the stable resource key of connector checks;
-- is_active is false for servers the client has switched off, and for approval records (Claude
-- Code's enabledMcpjsonServers) that only name a server defined elsewhere.
CREATE OR REPLACE VIEW system_connectors AS
SELECT DISTINCT
    a.system_id,
    a.agent_id,
    c.*,
    c.source_file || coalesce(' [' || c.project_path || ']', '') || '#' || c.server_name AS connector_ref,
    coalesce(c.enabled, true) AND coalesce(c.approval_state, '') <> 'disabled' AND c.transport <> 'unknown'
        AS is_active
FROM connector_servers AS c
-- A file can only match a glob inside the folder the glob's literal part names (up to its last '/' before a
-- wildcard): joining on that folder, one of the few the file lies in, keeps the GLOB tests linear in files.
CROSS JOIN unnest(list_transform(range(0, array_length(string_split(c.source_file, '/'))),
    lambda depth: array_to_string(string_split(c.source_file, '/')[1:depth], '/')
                  || CASE WHEN depth > 0 THEN '/' ELSE '' END)) AS f(folder)
JOIN connector_assignments AS a
  ON f.folder = regexp_extract(a.config_glob, '^([^*?\[\\]*/)?')
 AND c.source_file GLOB a.config_glob
 AND (a.server_name IS NULL OR a.server_name = c.server_name);
