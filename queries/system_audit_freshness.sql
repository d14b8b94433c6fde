-- Per system: how many audit events reach it at all, when the last one was, and how many fall in
-- the review window. A system whose events all predate the window has stale evidence, not none;
-- the checks and the engine say so (stale_reason) instead of "no audit events".
CREATE OR REPLACE VIEW system_audit_freshness AS
WITH ctx AS (SELECT as_of FROM run_context),
events AS (
    SELECT system_id, count(*) AS events_total, max(occurred_at) AS last_event
    FROM tool_calls_resolved WHERE system_id IS NOT NULL GROUP BY system_id
),
in_window AS (
    SELECT system_id, count(*) AS events_in_window FROM tool_calls_in_window GROUP BY system_id
)
SELECT
    p.system_id,
    coalesce(e.events_total, 0) AS events_total,
    e.last_event,
    ctx.as_of - to_days(p.review_window_days) AS window_start,
    p.review_window_days,
    coalesce(w.events_in_window, 0) AS events_in_window,
    CASE
        WHEN coalesce(e.events_total, 0) = 0 THEN 'no audit events reach ' || p.system_id || ' from any source'
        WHEN coalesce(w.events_in_window, 0) = 0 THEN
            e.events_total || ' audit event(s) reach ' || p.system_id || ', the last on ' || e.last_event::DATE
            || ', all before the ' || p.review_window_days || '-day review window (from '
            || (ctx.as_of - to_days(p.review_window_days))::DATE || '), which excludes them'
    END AS stale_reason
FROM system_policy AS p
CROSS JOIN ctx
LEFT JOIN events AS e USING (system_id)
LEFT JOIN in_window AS w USING (system_id);
