-- How many systems of each tier are cleared, read-only or blocked.
CREATE OR REPLACE VIEW verdicts_by_tier AS
SELECT tier, verdict, count(*) AS systems
FROM verdicts GROUP BY ALL ORDER BY tier, verdict;
