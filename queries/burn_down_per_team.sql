-- Open (failing, not suppressed) findings per team at every run: the burn-down chart.
CREATE OR REPLACE VIEW burn_down_per_team AS
SELECT h.as_of, s.team, count(*) AS open_findings
FROM findings_history AS h
JOIN systems AS s USING (system_id)
WHERE h.status = 'FAIL' AND NOT h.suppressed
GROUP BY ALL
ORDER BY h.as_of, s.team;
