-- Thresholds the organisation changed from the shipped defaults, looser ones first.
CREATE OR REPLACE VIEW policy_deviation_report AS
SELECT tier, threshold, default_value, policy_value, direction, source_file
FROM policy_deviations
ORDER BY direction = 'stricter', tier, threshold;
