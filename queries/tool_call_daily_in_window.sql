-- The daily counts inside each system's review window (whole days before the run's as-of date, and that
-- date itself), as tool_calls_in_window selects the calls; undated captures always count.
CREATE OR REPLACE VIEW tool_call_daily_in_window AS
SELECT d.*
FROM tool_call_daily AS d
JOIN system_policy AS p USING (system_id)
WHERE d.day IS NULL
   OR (d.day >= (SELECT as_of FROM run_context) - to_days(p.review_window_days)
       AND d.day < (SELECT as_of FROM run_context) + INTERVAL 1 DAY);
