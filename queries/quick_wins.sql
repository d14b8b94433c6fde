-- Systems one fix from their next stage (BLOCKED -> READ_ONLY, READ_ONLY -> CLEARED): the single
-- check on their path_to_clearance, with its effort and remediation, lowest effort and tier 1 first.
CREATE OR REPLACE VIEW quick_wins AS
SELECT
    p.system_id,
    v.system_name,
    p.tier,
    v.team,
    v.owner,
    p.verdict,
    p.next_stage,
    p.check_id,
    p.title,
    p.gate,
    p.status,
    p.effort,
    p.remediation
FROM path_to_clearance AS p
JOIN verdicts AS v USING (system_id)
QUALIFY count(*) OVER (PARTITION BY p.system_id) = 1;
