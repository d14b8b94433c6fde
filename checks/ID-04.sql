-- ID-04 No literal secrets in connector configuration. One row per active server definition: FAIL
-- when a value in env, headers, args, the URL or the command is a literal secret. The finding shows
-- only the redacted form and the keyed fingerprint. A placeholder (`YOUR_API_KEY`, `<token>`) is no
-- secret and does not fail the check; the reason names it, since that server will not authenticate.
SELECT
    sc.system_id,
    sc.connector_ref AS resource,
    CASE WHEN count(v.fingerprint) > 0 THEN 'FAIL' ELSE 'PASS' END AS status,
    CASE WHEN count(v.fingerprint) > 0 THEN
             sc.server_name || ' in ' || sc.source_file || ' holds ' || count(DISTINCT v.fingerprint)
             || ' literal secret(s): ' || string_agg(DISTINCT v.field || coalesce(' ' || v.key, '') || ' (' || v.secret_kind || ')', ', '
                        ORDER BY v.field || coalesce(' ' || v.key, '') || ' (' || v.secret_kind || ')')
         ELSE sc.server_name || ' in ' || sc.source_file || ' holds no literal secret' END
    || coalesce('; placeholder in ' || string_agg(DISTINCT p.field || coalesce(' ' || p.key, ''), ', '
                                                  ORDER BY p.field || coalesce(' ' || p.key, ''))
                || ' (placeholder, server will not authenticate)', '') AS reason,
    string_agg(DISTINCT v.field || coalesce(' ' || v.key, '') || ' = ' || v.display_value || ' ' || v.fingerprint, '; '
               ORDER BY v.field || coalesce(' ' || v.key, '') || ' = ' || v.display_value || ' ' || v.fingerprint) AS observed,
    'secrets passed by reference (${env:NAME}, ${input:id}, a secret manager)' AS expected,
    sc.source_file || ':' || coalesce(min(sc.source_line)::VARCHAR, '') AS evidence
FROM system_connectors AS sc
LEFT JOIN connector_values AS v
  ON v.connector_id = sc.connector_id AND v.is_secret AND v.value_kind = 'literal'
LEFT JOIN connector_values AS p
  ON p.connector_id = sc.connector_id AND p.value_kind = 'placeholder'
WHERE sc.is_active
GROUP BY sc.system_id, sc.connector_ref, sc.server_name, sc.source_file
