-- A compliance score per framework: the share of its mapped requirement results that pass, taken over every
-- system x requirement a check covers (Kubescape's control score, averaged over the estate), with coverage beside
-- it (the share of the framework's requirements any check covers at all). A gap never counts as passing or failing:
-- it lowers coverage instead, so a framework mostly unmapped cannot score well by saying little.
CREATE OR REPLACE VIEW framework_scores AS
SELECT
    framework_id, any_value(framework_name) AS framework_name,
    count(DISTINCT requirement_id) AS requirements,
    count(DISTINCT requirement_id) FILTER (WHERE status <> 'gap') AS requirements_mapped,
    count(DISTINCT system_id) AS systems,
    count(*) FILTER (WHERE status = 'passing') AS results_passing,
    count(*) FILTER (WHERE status = 'failing') AS results_failing,
    count(*) FILTER (WHERE status = 'unknown') AS results_unknown,
    round(count(*) FILTER (WHERE status = 'passing') / nullif(count(*) FILTER (WHERE status <> 'gap'), 0), 4) AS score,
    round(count(DISTINCT requirement_id) FILTER (WHERE status <> 'gap') / count(DISTINCT requirement_id), 4)
        AS coverage
FROM framework_status
GROUP BY framework_id
ORDER BY framework_name;
