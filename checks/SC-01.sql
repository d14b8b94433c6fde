-- SC-01 Tools are allowlisted. One row per active server definition: FAIL when the client has no
-- allowlist for it (everything the server offers is callable) or the allowlist is a wildcard.
SELECT
    sc.system_id,
    sc.connector_ref AS resource,
    CASE WHEN sc.tools_allow IS NULL OR list_contains(sc.tools_allow, '*') THEN 'FAIL' ELSE 'PASS' END AS status,
    CASE WHEN sc.tools_allow IS NULL THEN
              sc.client || ' config ' || sc.source_file || ' has no tool allowlist for ' || sc.server_name
              || ': every tool the server offers is callable'
              || CASE WHEN ap.approved_tools IS NOT NULL
                      THEN ' (the inventory approves only ' || array_to_string(ap.approved_tools, ', ') || ')' ELSE '' END
         WHEN list_contains(sc.tools_allow, '*') THEN sc.server_name || ' in ' || sc.source_file || ' allows every tool (*)'
         ELSE sc.server_name || ' in ' || sc.source_file || ' allows only ' || array_to_string(sc.tools_allow, ', ')
    END AS reason,
    CASE WHEN sc.tools_allow IS NULL THEN 'no allowlist' ELSE array_to_string(sc.tools_allow, ', ') END AS observed,
    'an explicit list of the tools the task needs' AS expected,
    sc.source_file || ':' || coalesce(sc.source_line::VARCHAR, '') AS evidence
FROM system_connectors AS sc
LEFT JOIN approved_servers AS ap ON ap.system_id = sc.system_id AND ap.server_name = sc.server_name
WHERE sc.is_active
