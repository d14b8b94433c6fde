-- Every requirement of every framework, estate-wide: failing if any system fails it, else unknown
-- if any system lacks the evidence, else passing; gap when no check covers it.
CREATE OR REPLACE VIEW framework_status_estate AS
SELECT
    framework_id, any_value(framework_name) AS framework_name, any_value(group_attribute) AS group_attribute,
    any_value(group_value) AS group_value, requirement_id, any_value(title) AS title, min(position) AS position,
    any_value(checks) AS checks, any_value(strength) AS strength,
    count(*) FILTER (WHERE status = 'passing') AS systems_passing,
    count(*) FILTER (WHERE status = 'failing') AS systems_failing,
    count(*) FILTER (WHERE status = 'unknown') AS systems_unknown,
    CASE
        WHEN bool_or(status = 'gap') THEN 'gap'
        WHEN bool_or(status = 'failing') THEN 'failing'
        WHEN bool_or(status = 'unknown') THEN 'unknown'
        ELSE 'passing'
    END AS status
FROM framework_status
GROUP BY framework_id, requirement_id
ORDER BY framework_id, position;
