-- Per system and agent: how much of the delegation chain the logs prove, hop by hop
-- (agent identity, delegated user, policy decision, trace id, linked target-system event).
CREATE OR REPLACE VIEW delegation_chain_coverage AS
SELECT
    c.system_id,
    coalesce(c.agent_id, '(unidentified)') AS agent_id,
    count(*) AS calls,
    round(avg((c.agent_identity IS NOT NULL)::INT), 4) AS agent_share,
    round(avg((c.delegated_user IS NOT NULL AND NOT coalesce(c.delegation_incomplete, false))::INT), 4) AS user_share,
    round(avg((c.policy_decision IS NOT NULL)::INT), 4) AS decision_share,
    round(avg((c.trace_id IS NOT NULL)::INT), 4) AS trace_share,
    round(avg((l.target_event_id IS NOT NULL)::INT), 4) AS target_linked_share,
    min(c.occurred_at) AS first_call,
    max(c.occurred_at) AS last_call
FROM tool_calls_resolved AS c
LEFT JOIN tool_call_targets AS l USING (event_id)
WHERE c.system_id IS NOT NULL
GROUP BY ALL;
