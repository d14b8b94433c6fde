-- Every check result of the current run with its metadata, the exception that accepts it (an
-- exception suppresses FAIL results only, and only when exception_validity says it applies: valid,
-- created on or before the as-of date and expiring on or after it; unknown evidence cannot be
-- accepted away), the exceptions that name it but do not apply and why, its remediation ticket and
-- due date.
CREATE OR REPLACE VIEW findings AS
WITH ctx AS (SELECT as_of FROM run_context),
named AS (
    SELECT r.finding_id, e.exception_id, e.applies, e.validity_reason
    FROM check_results AS r
    JOIN exception_validity AS e
      ON e.check_id = r.check_id AND e.system_id = r.system_id
     AND (e.resource IS NULL OR e.resource = r.resource)
    WHERE r.status = 'FAIL'
),
accepted AS (
    SELECT finding_id,
           min(exception_id) FILTER (WHERE applies) AS exception_id,
           string_agg('exception ' || exception_id || ' ' || validity_reason, '; ' ORDER BY exception_id)
               FILTER (WHERE NOT applies) AS exceptions_not_applied
    FROM named GROUP BY finding_id
),
first_seen AS (
    SELECT finding_id, min(h.as_of) AS first_seen
    FROM findings_history AS h, ctx WHERE h.status = 'FAIL' AND h.as_of <= ctx.as_of GROUP BY finding_id
)
SELECT
    r.finding_id,
    r.check_id,
    c.gate,
    c.severity,
    c.title,
    r.system_id,
    s.name AS system_name,
    s.team,
    s.owner,
    s.business_unit,
    s.environment,
    t.tier,
    r.resource,
    r.status,
    r.reason,
    r.observed,
    r.expected,
    r.evidence,
    c.remediation,
    c.effort,
    c.read_only_relief,
    CASE WHEN r.status = 'FAIL' THEN rl.relief_reason END AS relief_reason,
    a.exception_id IS NOT NULL AS suppressed,
    a.exception_id,
    a.exceptions_not_applied,
    CASE WHEN r.status = 'FAIL' THEN coalesce(f.first_seen, ctx.as_of) END AS first_seen,
    CASE WHEN r.status = 'FAIL' THEN ctx.as_of - coalesce(f.first_seen, ctx.as_of) END AS age_days,
    k.ticket,
    k.owner AS ticket_owner,
    CASE WHEN r.status = 'FAIL' THEN coalesce(
        k.due, coalesce(f.first_seen, ctx.as_of) + to_days(sla.remediation_sla_days)) END AS due,
    CASE WHEN r.status = 'FAIL' THEN ctx.as_of > coalesce(
        k.due, coalesce(f.first_seen, ctx.as_of) + to_days(sla.remediation_sla_days)) END AS overdue
FROM check_results AS r
CROSS JOIN ctx
JOIN check_catalog AS c USING (check_id)
JOIN systems AS s USING (system_id)
JOIN system_tiers AS t USING (system_id)
LEFT JOIN accepted AS a USING (finding_id)
LEFT JOIN check_relief AS rl ON rl.check_id = r.check_id AND rl.system_id = r.system_id
LEFT JOIN first_seen AS f USING (finding_id)
LEFT JOIN policy_thresholds AS sla ON sla.tier = t.tier
LEFT JOIN (
    -- several tickets for one finding: the one due first (then by ticket and owner), never whichever comes first
    SELECT check_id, system_id, resource, arg_min(ticket, (due, ticket, owner)) AS ticket,
           arg_min(owner, (due, ticket, owner)) AS owner, min(due) AS due
    FROM remediation_tickets GROUP BY ALL
) AS k ON k.check_id = r.check_id AND k.system_id = r.system_id AND (k.resource IS NULL OR k.resource = r.resource);
