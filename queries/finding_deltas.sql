-- What changed since the previous run (the latest earlier as_of in the history), by the rules of
-- finding_changes_per_run:
--   new          failing now, not failing before
--   unchanged    failing in both runs
--   resolved     failed before, passes, no longer applies or its resource is gone, on the same
--                evidence families and the same check
--   incomparable failed before, but the check changed, it is unknown now, or the system lost an
--                evidence family it had, so nothing is proven
CREATE OR REPLACE VIEW finding_deltas AS
SELECT finding_id, check_id, system_id, resource, previous_status, current_status, previous_as_of, delta
FROM finding_changes_per_run
WHERE as_of = (SELECT as_of FROM run_context);
