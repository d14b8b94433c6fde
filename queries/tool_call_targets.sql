-- Tool calls joined to the target-system event they caused (the last hop of the chain): by the
-- role session name = the call's correlation id (request id / MCP session), or by the delegated
-- user as the session's source identity within five minutes of the call, and then only when the
-- event's principal is the same agent as the call's (so one person using two agents at once does
-- not link one agent's calls to the other's events).
CREATE OR REPLACE VIEW tool_call_targets AS
WITH calls AS (
    SELECT t.event_id, t.occurred_at, t.correlation_id, t.delegated_user, i.agent_id
    FROM tool_calls AS t LEFT JOIN agent_identities AS i ON i.identity = t.agent_identity
),
-- An event within five minutes of a call lies in the call's 5-minute bucket or the one before or after it.
-- Joining on (user, agent, bucket) keeps the candidate pairs near the matches; the exact test stays.
call_buckets AS (
    SELECT c.*, time_bucket(INTERVAL 5 MINUTE, c.occurred_at) + INTERVAL 5 MINUTE * step AS bucket
    FROM calls AS c CROSS JOIN (VALUES (-1), (0), (1)) AS steps(step)
),
events AS (
    -- the human behind the call: onBehalfOf (trusted identity propagation), else the STS source identity
    SELECT e.event_id, e.occurred_at, e.role_session_name,
           coalesce(e.on_behalf_of, e.source_identity) AS source_identity, i.agent_id,
           e.event_source || ':' || e.event_name AS action,
           time_bucket(INTERVAL 5 MINUTE, e.occurred_at) AS bucket
    FROM target_events AS e LEFT JOIN agent_identities AS i ON i.identity = e.principal_arn
),
linked AS (
    SELECT c.event_id, e.event_id AS target_event_id, e.action
    FROM calls AS c JOIN events AS e ON e.role_session_name = c.correlation_id
    UNION ALL
    SELECT c.event_id, e.event_id, e.action
    FROM call_buckets AS c JOIN events AS e
      ON e.source_identity = c.delegated_user AND e.agent_id = c.agent_id AND e.bucket = c.bucket
     AND e.occurred_at BETWEEN c.occurred_at - INTERVAL 5 MINUTE AND c.occurred_at + INTERVAL 5 MINUTE
)
SELECT event_id, min(target_event_id) AS target_event_id, arg_min(action, target_event_id) AS target_action
FROM linked
GROUP BY event_id;
