-- Tool calls counted per system, agent, server, tool, day and log file: what the coverage checks
-- (AU-02, AU-03, AU-04, SC-08), the dashboard and notebooks read instead of the raw calls. `day` is
-- the call's UTC date (NULL for captures without a timestamp); review windows start and end at
-- midnight, so a window is a range of whole days. Each `with_*` column counts the calls that carry it.
CREATE OR REPLACE VIEW tool_call_daily AS
SELECT
    c.system_id,
    c.agent_id,
    c.server_name,
    c.tool_name,
    CAST(c.occurred_at AS DATE) AS day,
    c.source_file,
    count(*) AS calls,
    count(c.agent_identity) AS with_agent_identity,
    count(*) FILTER (WHERE c.delegated_user IS NOT NULL AND NOT coalesce(c.delegation_incomplete, false))
        AS with_proven_user,
    count(c.policy_decision) AS with_policy_decision,
    count(l.target_event_id) AS with_target_event
FROM tool_calls_resolved AS c
LEFT JOIN tool_call_targets AS l USING (event_id)
GROUP BY ALL;
