-- Systems x gates: each gate's status, counts and coverage next to the system's tier and verdict.
CREATE OR REPLACE VIEW gate_matrix AS
SELECT v.system_id, v.system_name, v.business_unit, v.tier, v.verdict, g.gate, g.status,
       g.passed, g.failed, g.unknown, g.coverage
FROM verdicts AS v JOIN gate_results AS g USING (system_id)
ORDER BY v.tier, v.system_id, g.gate;
