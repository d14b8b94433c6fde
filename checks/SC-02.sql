-- SC-02 No write or destructive tools at high tiers without approval. Where the tier's policy says
-- write tools need an approved exception (tiers 1-2 by default), one row per tool an agent can call:
-- FAIL when it is not read-only (an annotation or a write / delete / exec verb in its name; an
-- exception in exceptions.yaml accepts the finding). A server with no tool listing is UNKNOWN.
-- Where the tier allows allowlisted write tools, SC-01 decides and this check does not apply.
WITH tools AS (
    SELECT DISTINCT t.system_id, t.server_name, t.tool_name, t.is_write, t.is_destructive, t.listing_file,
           p.tier, p.write_tools
    FROM tools_in_scope AS t JOIN system_policy AS p USING (system_id)
),
unlisted AS (
    SELECT DISTINCT sc.system_id, sc.connector_ref, sc.server_name, sc.source_file, p.tier, p.write_tools
    FROM system_connectors AS sc JOIN system_policy AS p USING (system_id)
    WHERE sc.is_active AND sc.server_name NOT IN (SELECT server_name FROM tools)
)
SELECT
    system_id,
    'tool:' || server_name || '/' || tool_name AS resource,
    CASE WHEN write_tools <> 'exception_only' THEN 'NOT_APPLICABLE'
         WHEN is_write OR is_destructive THEN 'FAIL' ELSE 'PASS' END AS status,
    CASE WHEN write_tools <> 'exception_only' THEN
              'tier ' || tier || ' allows allowlisted write tools (SC-01 judges the allowlist)'
         WHEN is_destructive THEN 'tool ' || tool_name || ' on ' || server_name || ' is destructive and tier ' || tier
              || ' allows it only with an approved exception'
         WHEN is_write THEN 'tool ' || tool_name || ' on ' || server_name || ' is not read-only and tier ' || tier
              || ' allows it only with an approved exception'
         ELSE 'tool ' || tool_name || ' on ' || server_name || ' is read-only' END AS reason,
    CASE WHEN is_destructive THEN 'destructive' WHEN is_write THEN 'write' ELSE 'read-only' END AS observed,
    'read-only, or covered by an approved exception' AS expected,
    listing_file AS evidence
FROM tools
UNION ALL
SELECT
    system_id, connector_ref,
    CASE WHEN write_tools <> 'exception_only' THEN 'NOT_APPLICABLE' ELSE 'UNKNOWN' END,
    'no tools/list for server ' || server_name || ', so whether its tools write is unknown',
    NULL, 'read-only, or covered by an approved exception', source_file
FROM unlisted
