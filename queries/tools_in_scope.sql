-- The tools a relievable check (read_only_relief) judges: every tool of system_tools, or, while the
-- evaluator re-runs the check for read-only relief (relief_scope.read_only_tools), only the read-only
-- ones (neither a write nor a destructive tool). A relievable check reads its tools from here so that
-- the same SQL answers both "does it pass?" and "would it pass if the agent were held to read-only
-- tools?".
CREATE OR REPLACE VIEW tools_in_scope AS
SELECT t.*
FROM system_tools AS t
WHERE NOT (SELECT any_value(read_only_tools) FROM relief_scope)
   OR (NOT t.is_write AND NOT t.is_destructive);
