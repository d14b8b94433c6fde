-- AU-05 Logs are tamper-evident. One row per log sink declared for the system: FAIL when it is not
-- append-only or not hash-chained / signed; UNKNOWN when the declaration does not say. A system that
-- declares no sink is UNKNOWN (filled by the engine).
SELECT
    system_id,
    'sink:' || sink_name AS resource,
    CASE WHEN append_only = false OR hash_chained = false THEN 'FAIL'
         WHEN append_only AND hash_chained THEN 'PASS'
         ELSE 'UNKNOWN' END AS status,
    'log sink ' || sink_name || ' is '
        || CASE WHEN append_only THEN 'append-only' WHEN append_only = false THEN 'not append-only'
                ELSE 'of unknown mutability' END
        || ' and ' || CASE WHEN hash_chained THEN 'hash-chained' WHEN hash_chained = false THEN 'not hash-chained'
                           ELSE 'of unknown integrity' END AS reason,
    'append_only=' || coalesce(append_only::VARCHAR, 'unknown') || ', hash_chained='
        || coalesce(hash_chained::VARCHAR, 'unknown') AS observed,
    'append_only=true, hash_chained=true' AS expected,
    source_file || ':' || coalesce(source_line::VARCHAR, '') AS evidence
FROM log_sinks
