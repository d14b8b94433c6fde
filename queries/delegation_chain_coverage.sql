-- Per system and agent: how much of the delegation chain the logs prove, hop by hop
-- (agent identity, delegated user, policy decision, trace id, linked target-system event).
CREATE OR REPLACE VIEW delegation_chain_coverage AS
WITH linked AS (
    SELECT DISTINCT t.event_id
    FROM tool_calls AS t
    JOIN target_events AS e
      ON (t.correlation_id IS NOT NULL AND t.correlation_id = e.role_session_name)
      OR (t.delegated_user IS NOT NULL AND t.delegated_user = e.source_identity
          AND abs(epoch(e.occurred_at) - epoch(t.occurred_at)) <= 300)
)
SELECT
    c.system_id,
    coalesce(c.agent_id, '(unidentified)') AS agent_id,
    count(*) AS calls,
    round(avg((c.agent_identity IS NOT NULL)::INT), 4) AS agent_share,
    round(avg((c.delegated_user IS NOT NULL)::INT), 4) AS user_share,
    round(avg((c.policy_decision IS NOT NULL)::INT), 4) AS decision_share,
    round(avg((c.trace_id IS NOT NULL)::INT), 4) AS trace_share,
    round(avg((l.event_id IS NOT NULL)::INT), 4) AS target_linked_share,
    min(c.occurred_at) AS first_call,
    max(c.occurred_at) AS last_call
FROM tool_calls_resolved AS c
LEFT JOIN linked AS l USING (event_id)
WHERE c.system_id IS NOT NULL
GROUP BY ALL;
