-- Every credential held by an agent of a system, its lifetime against the tier's maximum.
CREATE OR REPLACE VIEW credential_lifetimes AS
SELECT
    c.system_id, c.agent_id, c.source_format, c.credential_id, c.kind, c.principal,
    c.issued_at, c.expires_at, c.lifetime_s, c.last_used_at, c.last_rotated_at, c.scopes,
    p.tier, p.max_credential_lifetime_s,
    -- lifetime_s may be known without timestamps (SPIRE TTLs, OAuth expires_in); federated
    -- credentials hold no secret and have no lifetime of their own
    c.expires_at IS NULL AND c.lifetime_s IS NULL AND c.kind <> 'federated' AS never_expires,
    (c.expires_at IS NULL AND c.lifetime_s IS NULL AND c.kind <> 'federated')
        OR c.lifetime_s > p.max_credential_lifetime_s AS exceeds_tier_limit,
    c.source_file, c.source_line
FROM agent_credentials AS c
JOIN system_policy AS p USING (system_id)
WHERE c.system_id IS NOT NULL;
