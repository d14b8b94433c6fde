-- What to fund first: each check on some system's path_to_clearance, ranked by how many systems
-- fixing it alone moves to their next stage (systems whose path is that one check), then by how many
-- paths it is on. systems_moved_ids names them; to_read_only / to_cleared split the moves by stage.
CREATE OR REPLACE VIEW fix_impact AS
WITH path AS (
    SELECT *, count(*) OVER (PARTITION BY system_id) AS steps FROM path_to_clearance
)
SELECT
    p.check_id,
    any_value(p.title) AS title,
    any_value(p.gate) AS gate,
    any_value(p.effort) AS effort,
    count(*) FILTER (WHERE p.steps = 1) AS systems_moved,
    count(*) FILTER (WHERE p.steps = 1 AND p.next_stage = 'READ_ONLY') AS to_read_only,
    count(*) FILTER (WHERE p.steps = 1 AND p.next_stage = 'CLEARED') AS to_cleared,
    coalesce(list_sort(list(p.system_id) FILTER (WHERE p.steps = 1)), []) AS systems_moved_ids,
    count(*) AS systems_on_path,
    list_sort(list(p.system_id)) AS systems_on_path_ids
FROM path AS p
GROUP BY p.check_id;
