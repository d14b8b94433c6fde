-- ID-07 Remote servers use delegated OAuth, not shared bearer tokens. One row per active remote
-- (http / sse) server: FAIL when it authenticates with a fixed credential header (literal or a
-- reference: either way every user shares one token) or a secret in its URL, without OAuth.
-- Local (stdio) servers do not apply.
WITH fixed AS (
    SELECT connector_id,
           list(DISTINCT field || coalesce(' ' || key, '') ORDER BY field || coalesce(' ' || key, '')) AS carriers
    FROM connector_values
    WHERE (field = 'header' AND (is_secret OR regexp_matches(lower(key),
               '^(authorization|proxy-authorization|cookie)$|token|api[-_]?key|secret|auth')))
       OR (field = 'url' AND is_secret)
    GROUP BY connector_id
)
SELECT
    sc.system_id,
    sc.connector_ref AS resource,
    CASE WHEN sc.transport NOT IN ('http', 'sse') THEN 'NOT_APPLICABLE'
         WHEN f.connector_id IS NOT NULL AND NOT sc.oauth THEN 'FAIL'
         ELSE 'PASS' END AS status,
    CASE WHEN sc.transport NOT IN ('http', 'sse') THEN sc.server_name || ' runs locally over ' || sc.transport
         WHEN f.connector_id IS NOT NULL AND NOT sc.oauth THEN
              'remote server ' || sc.server_name || ' in ' || sc.source_file || ' authenticates with a fixed token in '
              || array_to_string(f.carriers, ', ') || ' instead of OAuth'
         WHEN sc.oauth THEN 'remote server ' || sc.server_name || ' uses OAuth'
         ELSE 'remote server ' || sc.server_name || ' carries no fixed token; the client negotiates OAuth'
    END AS reason,
    CASE WHEN f.connector_id IS NOT NULL THEN 'token in ' || array_to_string(f.carriers, ', ')
         WHEN sc.oauth THEN 'oauth' END AS observed,
    'OAuth authorization with per-user delegation' AS expected,
    sc.source_file || ':' || coalesce(sc.source_line::VARCHAR, '') AS evidence
FROM system_connectors AS sc
LEFT JOIN fixed AS f USING (connector_id)
WHERE sc.is_active
