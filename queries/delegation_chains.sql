-- The delegation chains seen in the logs per system: agent -> delegated user -> tool -> target,
-- with each hop NULL where the logs do not record it, and how often each chain occurred.
CREATE OR REPLACE VIEW delegation_chains AS
SELECT
    c.system_id,
    c.agent_id,
    c.agent_identity,
    c.delegated_user,
    c.server_name,
    c.tool_name,
    l.target_action,
    count(*) AS calls,
    max(c.occurred_at) AS last_seen
FROM tool_calls_resolved AS c
LEFT JOIN tool_call_targets AS l USING (event_id)
WHERE c.system_id IS NOT NULL
GROUP BY ALL;
