-- SC-07 Calls stay inside the grant. One row per tool called outside the grant (denied by a policy
-- decision, or missing from the client's allowlist or the inventory's approved tools): FAIL; else one
-- PASS row for the system's logged calls. No calls in the window: UNKNOWN (filled by the engine).
WITH calls AS (
    SELECT c.system_id, c.server_name, c.tool_name, c.policy_decision, c.outcome, c.source_file, c.source_line,
           bool_or(sc.tools_allow IS NOT NULL AND NOT list_contains(sc.tools_allow, c.tool_name)) AS outside_allowlist,
           bool_or(ap.approved_tools IS NOT NULL AND NOT list_contains(ap.approved_tools, c.tool_name)) AS not_approved
    FROM tool_calls_in_window AS c
    LEFT JOIN system_connectors AS sc
      ON sc.system_id = c.system_id AND sc.server_name = c.server_name AND sc.is_active
     AND (c.agent_id IS NULL OR sc.agent_id = c.agent_id)
    LEFT JOIN approved_servers AS ap ON ap.system_id = c.system_id AND ap.server_name = c.server_name
    GROUP BY c.event_id, c.system_id, c.server_name, c.tool_name, c.policy_decision, c.outcome, c.source_file,
             c.source_line
),
outside AS (
    SELECT system_id, server_name, tool_name, count(*) AS calls,
           count(*) FILTER (WHERE policy_decision = 'deny' OR outcome = 'denied') AS denied,
           bool_or(outside_allowlist) AS outside_allowlist, bool_or(not_approved) AS not_approved,
           min(source_file || ':' || coalesce(source_line::VARCHAR, '')) AS first_evidence
    FROM calls
    WHERE policy_decision = 'deny' OR outcome = 'denied' OR outside_allowlist OR not_approved
    GROUP BY ALL
),
per_system AS (
    SELECT system_id, count(*) AS calls FROM calls GROUP BY system_id
)
SELECT system_id, 'tool:' || server_name || '/' || tool_name AS resource, 'FAIL' AS status,
       calls || ' call(s) to ' || tool_name || ' on ' || server_name || ' fell outside the grant ('
       || array_to_string(list_filter([
              CASE WHEN denied > 0 THEN denied || ' denied by policy' END,
              CASE WHEN outside_allowlist THEN 'not in the client allowlist' END,
              CASE WHEN not_approved THEN 'not among the approved tools' END], lambda x: x IS NOT NULL), '; ') || ')'
           AS reason,
       calls || ' call(s), ' || denied || ' denied' AS observed,
       'calls only to granted tools, none denied' AS expected,
       first_evidence AS evidence
FROM outside
UNION ALL
SELECT p.system_id, 'calls', 'PASS',
       'all ' || p.calls || ' logged call(s) on ' || p.system_id || ' stayed inside the grant',
       p.calls || ' call(s)', 'calls only to granted tools, none denied', NULL
FROM per_system AS p
WHERE p.system_id NOT IN (SELECT system_id FROM outside)
