-- Every requirement of every shipped framework, per system: covered-and-passing, failing,
-- unknown, or gap (no check covers it). Unmapped requirements are shown, never hidden.
CREATE OR REPLACE VIEW framework_status AS
WITH req AS (
    SELECT framework_id, any_value(framework_name) AS framework_name, any_value(group_attribute) AS group_attribute,
           requirement_id, any_value(title) AS title, any_value(group_value) AS group_value,
           min(position) AS position,
           list(check_id ORDER BY check_id) FILTER (WHERE check_id IS NOT NULL) AS checks,
           list(strength ORDER BY check_id) FILTER (WHERE check_id IS NOT NULL) AS strengths
    FROM framework_requirements GROUP BY framework_id, requirement_id
),
per_system AS (
    SELECT fr.framework_id, fr.requirement_id, s.system_id,
           bool_or(s.status = 'FAIL') AS any_fail, bool_or(s.status = 'UNKNOWN') AS any_unknown,
           bool_or(s.status = 'PASS') AS any_pass
    FROM framework_requirements AS fr
    JOIN system_check_status AS s ON s.check_id = fr.check_id
    GROUP BY ALL
)
SELECT
    r.framework_id, r.framework_name, r.group_attribute, r.group_value, r.requirement_id, r.title, r.position,
    coalesce(r.checks, []) AS checks,
    -- written "check AU-02" wherever a person reads them, never mistaken for NIST SP 800-53 AU-2
    list_transform(coalesce(r.checks, []), lambda c: 'check ' || c) AS check_labels,
    coalesce(r.strengths, []) AS strengths,
    CASE WHEN list_contains(r.strengths, 'full') THEN 'full' WHEN len(r.strengths) > 0 THEN 'partial' END AS strength,
    sy.system_id,
    CASE
        WHEN r.checks IS NULL OR len(r.checks) = 0 THEN 'gap'
        WHEN p.any_fail THEN 'failing'
        WHEN p.any_unknown THEN 'unknown'
        WHEN p.any_pass THEN 'passing'
        ELSE 'unknown'
    END AS status
FROM req AS r
CROSS JOIN systems AS sy
LEFT JOIN per_system AS p
  ON p.framework_id = r.framework_id AND p.requirement_id = r.requirement_id AND p.system_id = sy.system_id;
