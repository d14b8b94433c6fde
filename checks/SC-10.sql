-- SC-10 No shadow servers. One row per active server definition: FAIL when the server is not among
-- the system's approved servers in inventory.yaml.
SELECT
    sc.system_id,
    sc.connector_ref AS resource,
    CASE WHEN ap.server_name IS NULL THEN 'FAIL' ELSE 'PASS' END AS status,
    CASE WHEN ap.server_name IS NULL THEN
              sc.client || ' config ' || sc.source_file || ' runs ' || sc.server_name
              || ', which the inventory does not approve for ' || sc.system_id
         ELSE sc.server_name || ' is approved for ' || sc.system_id END AS reason,
    sc.server_name AS observed,
    'one of: ' || coalesce((SELECT string_agg(server_name, ', ' ORDER BY server_name) FROM approved_servers AS a
                            WHERE a.system_id = sc.system_id), 'no server approved') AS expected,
    sc.source_file || ':' || coalesce(sc.source_line::VARCHAR, '') AS evidence
FROM system_connectors AS sc
LEFT JOIN (SELECT DISTINCT system_id, server_name FROM approved_servers) AS ap
  ON ap.system_id = sc.system_id AND ap.server_name = sc.server_name
WHERE sc.is_active
