-- SC-09 Server packages are pinned. One row per active local (stdio) server: FAIL when it is launched
-- from a registry package without an exact version or image digest (`npx -y pkg`, `uvx pkg`,
-- `latest`). A server that launches a local command, or runs remotely, does not apply.
SELECT
    system_id,
    connector_ref AS resource,
    CASE WHEN package_pinned IS NULL THEN 'NOT_APPLICABLE' WHEN package_pinned THEN 'PASS' ELSE 'FAIL' END AS status,
    CASE WHEN transport <> 'stdio' THEN server_name || ' runs remotely over ' || transport
         WHEN package_pinned IS NULL THEN server_name || ' launches a local command, not a registry package'
         WHEN package_pinned THEN server_name || ' launches ' || package_name || ' pinned at ' || package_version
         ELSE server_name || ' in ' || source_file || ' launches ' || package_name
              || coalesce(' at the moving version ' || package_version, ' with no version') END AS reason,
    coalesce(package_name || '@' || package_version, package_name) AS observed,
    'an exact version or an image digest' AS expected,
    source_file || ':' || coalesce(source_line::VARCHAR, '') AS evidence
FROM system_connectors
WHERE is_active
