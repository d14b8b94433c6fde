-- SC-05 No dangerous tool chains. One row per agent serving the system, over every tool the agent
-- can call on any system (view tools_in_scope, so the read-only re-evaluation judges the read-only
-- tools alone): FAIL when it can read sensitive data (a tool that reads on a tier 1-2 system) and
-- also reach a sink, or read untrusted open-world content and also write in production. A sink is a
-- tool that can reach arbitrary external destinations, read-only or not (tool_capabilities.is_sink:
-- open-world by annotation or by MCP's default, a destination argument such as url / to / webhook,
-- or a sending verb). UNKNOWN when one of its servers has no tool listing.
WITH agent_tools AS (
    SELECT t.agent_id, t.system_id, t.server_name, t.tool_name, t.reads_data, t.is_sink, t.sink_reason, t.is_write,
           t.is_open_world, p.tier, p.environment
    FROM tools_in_scope AS t JOIN system_policy AS p USING (system_id)
),
per_agent AS (
    SELECT agent_id,
           list(DISTINCT server_name || '/' || tool_name ORDER BY server_name || '/' || tool_name)
               FILTER (WHERE reads_data AND tier <= 2) AS sensitive_reads,
           list(DISTINCT server_name || '/' || tool_name || ' [' || sink_reason || ']'
                ORDER BY server_name || '/' || tool_name || ' [' || sink_reason || ']') FILTER (WHERE is_sink)
               AS sinks,
           list(DISTINCT server_name || '/' || tool_name ORDER BY server_name || '/' || tool_name)
               FILTER (WHERE is_open_world AND reads_data)
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
           coalesce(len(p.sensitive_reads) > 0 AND len(p.sinks) > 0, false) AS exfiltration,
           coalesce(len(p.untrusted_reads) > 0 AND len(p.production_writes) > 0, false) AS injection,
           u.agent_id IS NOT NULL AS unlisted
    FROM sys_agents AS a
    LEFT JOIN per_agent AS p USING (agent_id)
    LEFT JOIN unlisted AS u USING (agent_id)
)
SELECT
    system_id,
    'agent:' || agent_id AS resource,
    CASE WHEN exfiltration OR injection THEN 'FAIL' WHEN unlisted THEN 'UNKNOWN' ELSE 'PASS' END AS status,
    CASE WHEN exfiltration THEN 'agent ' || agent_id || ' can read sensitive data ('
              || array_to_string(list_sort(sensitive_reads), ', ') || ') and reach a sink that can send data out ('
              || array_to_string(list_sort(sinks), ', ') || ')'
         WHEN injection THEN 'agent ' || agent_id || ' reads untrusted content ('
              || array_to_string(list_sort(untrusted_reads), ', ') || ') and can write in production ('
              || array_to_string(list_sort(production_writes), ', ') || ')'
         WHEN unlisted THEN
              'a server of agent ' || agent_id || ' has no tools/list, so its tool chains are unknown'
         WHEN systems IS NULL THEN 'agent ' || agent_id || ' has no tool in scope, so it has no tool chain'
         ELSE 'agent ' || agent_id || ' has no tool pair that reads sensitive or untrusted data and reaches a sink '
              || 'or writes in production'
    END AS reason,
    CASE WHEN exfiltration THEN 'reads: ' || array_to_string(list_sort(sensitive_reads), ', ') || '; sinks: '
                                || array_to_string(list_sort(sinks), ', ')
         WHEN injection THEN 'untrusted: ' || array_to_string(list_sort(untrusted_reads), ', ') || '; writes: '
                             || array_to_string(list_sort(production_writes), ', ') END AS observed,
    'no agent that both reads sensitive or untrusted data and reaches a sink or writes to production' AS expected,
    array_to_string(systems, ', ') AS evidence
FROM judged
