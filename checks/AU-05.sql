-- AU-05 Logs are tamper-evident. One row per log sink declared for the system, judged by what can be
-- verified, not only declared. The sink's tamper evidence is
--   contradicted - a CloudTrail digest of the trail named like the sink does not verify (a log file's
--                  hash, a moved digest, a gap or a hash mismatch in the digest chain, a bad signature);
--   verified     - digests of that trail exist and all verify (hash chain; signature where exported);
--   declared     - no digests, but inventory.yaml declares the sink append-only and hash-chained.
-- FAIL when contradicted, when the sink is declared not append-only or not hash-chained (without
-- verified digests), or when it is declared only and the tier's policy requires `tamper_evidence:
-- verified` (tier 1 by default). UNKNOWN when the declaration does not say and nothing is verified.
-- A system that declares no sink is UNKNOWN (filled by the engine).
WITH digests AS (
    SELECT trail_name,
           count(*) AS digests,
           count(*) FILTER (WHERE status = 'contradicted') AS contradicted,
           sum(log_files_checked) AS logs_checked,
           count(*) FILTER (WHERE signature = 'verified') AS signed,
           string_agg(problem, '; ' ORDER BY digest_file) FILTER (WHERE status = 'contradicted') AS problems,
           min(digest_file) AS first_digest
    FROM audit_digests GROUP BY trail_name
),
judged AS (
    SELECT l.*, p.tier, p.tamper_evidence AS required, d.digests, d.contradicted, d.logs_checked, d.signed, d.problems,
           d.first_digest,
           CASE WHEN d.contradicted > 0 THEN 'contradicted'
                WHEN d.digests > 0 THEN 'verified'
                WHEN l.append_only AND l.hash_chained THEN 'declared' END AS evidence_level
    FROM log_sinks AS l
    JOIN system_policy AS p USING (system_id)
    LEFT JOIN digests AS d ON d.trail_name = l.sink_name
)
SELECT
    system_id,
    'sink:' || sink_name AS resource,
    CASE WHEN evidence_level = 'contradicted' THEN 'FAIL'
         WHEN append_only = false THEN 'FAIL'
         WHEN evidence_level = 'verified' THEN 'PASS'
         WHEN hash_chained = false THEN 'FAIL'
         WHEN evidence_level = 'declared' AND required = 'verified' THEN 'FAIL'
         WHEN evidence_level = 'declared' THEN 'PASS'
         ELSE 'UNKNOWN' END AS status,
    'log sink ' || sink_name || ': tamper evidence '
        || CASE evidence_level
               WHEN 'contradicted' THEN 'contradicted: ' || problems
               WHEN 'verified' THEN 'verified: ' || digests || ' CloudTrail digest file(s), ' || logs_checked
                    || ' log file(s) hash-checked, digest chain intact; '
                    || CASE WHEN signed = digests THEN 'signatures verified' ELSE 'hash chain verified, signature not checked'
                       END
               WHEN 'declared' THEN 'declared only (append_only and hash_chained in inventory.yaml, nothing verified)'
                    || CASE WHEN required = 'verified' THEN '; tier ' || tier || ' requires verified tamper evidence'
                            ELSE '' END
               ELSE 'not verified, and the sink is declared '
                    || CASE WHEN append_only THEN 'append-only' WHEN append_only = false THEN 'not append-only'
                            ELSE 'of unknown mutability' END
                    || ' and ' || CASE WHEN hash_chained THEN 'hash-chained' WHEN hash_chained = false
                                       THEN 'not hash-chained' ELSE 'of unknown integrity' END
           END
        || CASE WHEN evidence_level IN ('verified', 'contradicted') AND append_only = false
                THEN '; the sink is declared not append-only' ELSE '' END AS reason,
    coalesce(evidence_level, 'none') || ' (append_only=' || coalesce(append_only::VARCHAR, 'unknown')
        || ', hash_chained=' || coalesce(hash_chained::VARCHAR, 'unknown') || ')' AS observed,
    CASE WHEN required = 'verified' THEN 'verified tamper evidence (CloudTrail digests that verify) on an append-only sink'
         ELSE 'append-only and hash-chained (declared or verified), nothing contradicted' END AS expected,
    coalesce(first_digest, source_file || ':' || coalesce(source_line::VARCHAR, '')) AS evidence
FROM judged
