-- SC-05 No dangerous tool chains. One row per agent serving the system, over every tool the agent
-- can call on any system: FAIL when it can read sensitive data (a tier 1-2 system) and also send data
-- out (email, chat, HTTP, upload, publish, or any open-world write), or read untrusted open-world
-- content and also write in production. UNKNOWN when one of its servers has no tool listing.
WITH agent_tools AS (
    SELECT t.agent_id, t.system_id, t.server_name, t.tool_name, t.reads_data, t.is_egress, t.is_write,
           t.open_world_hint, p.tier, p.environment
    FROM system_tools AS t JOIN system_policy AS p USING (system_id)
),
per_agent AS (
    SELECT agent_id,
           list(DISTINCT server_name || '/' || tool_name ORDER BY server_name || '/' || tool_name) FILTER (WHERE reads_data AND tier <= 2) AS sensitive_reads,
           list(DISTINCT server_name || '/' || tool_name ORDER BY server_name || '/' || tool_name) FILTER (WHERE is_egress) AS egress,
           list(DISTINCT server_name || '/' || tool_name ORDER BY server_name || '/' || tool_name) FILTER (WHERE coalesce(open_world_hint, false) AND reads_data)
               AS untrusted_reads,
           list(DISTINCT server_name || '/' || tool_name ORDER BY server_name || '/' || tool_name) FILTER (WHERE is_write AND environment = 'production')
               AS production_writes,
           list(DISTINCT system_id ORDER BY system_id) AS systems
    FROM agent_tools GROUP BY agent_id
),
unlisted AS (
    SELECT DISTINCT agent_id FROM system_connectors
    WHERE is_active AND server_name NOT IN (SELECT server_name FROM tools)
),
sys_agents AS (
    SELECT DISTINCT system_id, agent_id FROM system_connectors WHERE is_active
),
judged AS (
    SELECT a.system_id, a.agent_id, p.*,
           len(p.sensitive_reads) > 0 AND len(p.egress) > 0 AS exfiltration,
           len(p.untrusted_reads) > 0 AND len(p.production_writes) > 0 AS injection,
           u.agent_id IS NOT NULL AS unlisted
    FROM sys_agents AS a
    LEFT JOIN per_agent AS p USING (agent_id)
    LEFT JOIN unlisted AS u USING (agent_id)
)
SELECT
    system_id,
    'agent:' || agent_id AS resource,
    CASE WHEN exfiltration OR injection THEN 'FAIL' WHEN unlisted OR systems IS NULL THEN 'UNKNOWN' ELSE 'PASS' END
        AS status,
    CASE WHEN exfiltration THEN 'agent ' || agent_id || ' can read sensitive data ('
              || array_to_string(list_sort(sensitive_reads), ', ') || ') and send data out ('
              || array_to_string(list_sort(egress), ', ') || ')'
         WHEN injection THEN 'agent ' || agent_id || ' reads untrusted content ('
              || array_to_string(list_sort(untrusted_reads), ', ') || ') and can write in production ('
              || array_to_string(list_sort(production_writes), ', ') || ')'
         WHEN unlisted OR systems IS NULL THEN
              'a server of agent ' || agent_id || ' has no tools/list, so its tool chains are unknown'
         ELSE 'agent ' || agent_id || ' has no tool pair that reads sensitive or untrusted data and sends it out or writes'
    END AS reason,
    CASE WHEN exfiltration THEN 'reads: ' || array_to_string(list_sort(sensitive_reads), ', ') || '; sends: '
                                || array_to_string(list_sort(egress), ', ')
         WHEN injection THEN 'untrusted: ' || array_to_string(list_sort(untrusted_reads), ', ') || '; writes: '
                             || array_to_string(list_sort(production_writes), ', ') END AS observed,
    'no agent that both reads sensitive or untrusted data and sends it out or writes to production' AS expected,
    array_to_string(systems, ', ') AS evidence
FROM judged
