-- The tool calls each system's checks judge: those inside the system's review window before the
-- run's as-of date, with the target-system event each one links to. Captures without timestamps
-- (raw JSON-RPC) cannot be placed in time; they are counted, since the estate folder holds them now.
CREATE OR REPLACE VIEW tool_calls_in_window AS
SELECT c.*, l.target_event_id, l.target_action
FROM tool_calls_resolved AS c
JOIN system_policy AS p USING (system_id)
LEFT JOIN tool_call_targets AS l USING (event_id)
WHERE c.occurred_at IS NULL
   OR (c.occurred_at >= (SELECT as_of FROM run_context) - to_days(p.review_window_days)
       AND c.occurred_at < (SELECT as_of FROM run_context) + INTERVAL 1 DAY);
