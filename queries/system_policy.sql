-- Each system with the thresholds of its tier: what every check compares against.
CREATE OR REPLACE VIEW system_policy AS
SELECT s.*, t.tier, t.tier_reason, p.* EXCLUDE (tier, source_file)
FROM systems AS s
JOIN system_tiers AS t USING (system_id)
JOIN policy_thresholds AS p ON p.tier = t.tier;
