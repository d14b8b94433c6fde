-- SC-03 No reach into secrets stores, admin or financial functions. One row per tool an agent can
-- call (FAIL when its name reaches secrets, payments or admin functions) and per such action seen in
-- the target system's log. Any tier; an approved exception accepts the finding. A server with no
-- tool listing is UNKNOWN.
WITH tools AS (
    SELECT DISTINCT system_id, server_name, tool_name, reaches_secrets, is_financial, is_admin, listing_file
    FROM system_tools
),
observed AS (
    SELECT system_id, target_action, count(*) AS calls, min(source_file) AS source_file
    FROM tool_calls_in_window
    WHERE regexp_matches(target_action, '^(secretsmanager|kms|iam|sts|ssm|organizations)\.amazonaws\.com:')
      AND NOT regexp_matches(target_action, '^sts\.amazonaws\.com:(AssumeRole|GetCallerIdentity)')
       OR regexp_matches(lower(target_action), ':(create|update|delete|put|attach)\w*(policy|user|role|accesskey)')
    GROUP BY ALL
),
unlisted AS (
    SELECT DISTINCT system_id, connector_ref, server_name, source_file
    FROM system_connectors WHERE is_active AND server_name NOT IN (SELECT server_name FROM tools)
)
SELECT
    system_id,
    'tool:' || server_name || '/' || tool_name AS resource,
    CASE WHEN reaches_secrets OR is_financial OR is_admin THEN 'FAIL' ELSE 'PASS' END AS status,
    'tool ' || tool_name || ' on ' || server_name
      || CASE WHEN reaches_secrets OR is_financial OR is_admin THEN ' reaches ' || array_to_string(list_filter(
              [CASE WHEN reaches_secrets THEN 'secrets' END, CASE WHEN is_financial THEN 'financial actions' END,
               CASE WHEN is_admin THEN 'admin functions' END], lambda x: x IS NOT NULL), ' and ')
              || ' without an approved exception'
         ELSE ' reaches no secrets store, admin or financial function' END AS reason,
    array_to_string(list_filter([CASE WHEN reaches_secrets THEN 'secrets' END,
        CASE WHEN is_financial THEN 'financial' END, CASE WHEN is_admin THEN 'admin' END], lambda x: x IS NOT NULL), ', ')
        AS observed,
    'no secrets, admin or financial reach' AS expected,
    listing_file AS evidence
FROM tools
UNION ALL
SELECT system_id, 'target:' || target_action, 'FAIL',
       calls || ' logged call(s) reached ' || target_action || ' in the target system',
       target_action, 'no secrets, admin or financial reach', source_file
FROM observed
UNION ALL
SELECT system_id, connector_ref, 'UNKNOWN',
       'no tools/list for server ' || server_name || ', so what its tools reach is unknown',
       NULL, 'no secrets, admin or financial reach', source_file
FROM unlisted
