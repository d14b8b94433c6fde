-- Verdict counts per run over the whole history, raw and after accepted risk: the trend chart.
CREATE OR REPLACE VIEW trend_per_run AS
SELECT
    as_of,
    count(*) FILTER (WHERE verdict = 'CLEARED') AS cleared,
    count(*) FILTER (WHERE verdict = 'READ_ONLY') AS read_only,
    count(*) FILTER (WHERE verdict = 'BLOCKED') AS blocked,
    count(*) FILTER (WHERE verdict_after_risk = 'CLEARED') AS cleared_after_risk,
    count(*) FILTER (WHERE verdict_after_risk = 'READ_ONLY') AS read_only_after_risk,
    count(*) FILTER (WHERE verdict_after_risk = 'BLOCKED') AS blocked_after_risk,
    count(*) AS systems
FROM verdict_history
GROUP BY as_of
ORDER BY as_of;
