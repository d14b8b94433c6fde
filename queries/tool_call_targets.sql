-- Tool calls joined to the target-system event they caused (the last hop of the chain): by role
-- session name = the call's correlation id, or by the delegated user as the session's source
-- identity within five minutes of the call.
CREATE OR REPLACE VIEW tool_call_targets AS
SELECT t.event_id, any_value(e.event_id) AS target_event_id,
       any_value(e.event_source || ':' || e.event_name) AS target_action
FROM tool_calls AS t
JOIN target_events AS e
  ON (t.correlation_id IS NOT NULL AND t.correlation_id = e.role_session_name)
  OR (t.delegated_user IS NOT NULL AND t.delegated_user = e.source_identity
      AND abs(epoch(e.occurred_at) - epoch(t.occurred_at)) <= 300)
GROUP BY t.event_id;
