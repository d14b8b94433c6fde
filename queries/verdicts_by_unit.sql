-- How many systems of each business unit are cleared, read-only or blocked.
CREATE OR REPLACE VIEW verdicts_by_unit AS
SELECT business_unit, verdict, count(*) AS systems
FROM verdicts GROUP BY ALL ORDER BY business_unit, verdict;
