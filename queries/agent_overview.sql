-- One row per agent (every agent in the inventory, plus calls the logs could not tie to one, as
-- "(unidentified)"): its identities, credentials and their lifetimes against the strictest tier limit
-- of the systems it serves, and how much of the delegation chain its calls prove (shares weighted by
-- calls across systems), with its last call. Answers "which agents lack delegated-user logging".
CREATE OR REPLACE VIEW agent_overview AS
WITH ids AS (
    SELECT agent_id FROM agents
    UNION
    SELECT agent_id FROM delegation_chain_coverage
),
identities AS (
    SELECT agent_id, list(DISTINCT identity ORDER BY identity) AS identities FROM agent_identities GROUP BY agent_id
),
served AS (
    SELECT agent_id, list(DISTINCT system_id ORDER BY system_id) AS systems
    FROM (SELECT agent_id, system_id FROM system_connectors UNION SELECT agent_id, system_id FROM delegation_chain_coverage)
    WHERE agent_id IS NOT NULL AND system_id IS NOT NULL
    GROUP BY agent_id
),
creds AS (
    SELECT
        agent_id,
        count(DISTINCT credential_id) AS credentials,
        count(DISTINCT credential_id) FILTER (WHERE never_expires) AS never_expiring,
        count(DISTINCT credential_id) FILTER (WHERE exceeds_tier_limit) AS over_tier_limit,
        max(lifetime_s) AS longest_lifetime_s,
        min(max_credential_lifetime_s) AS tier_limit_s
    FROM credential_lifetimes
    GROUP BY agent_id
),
chain AS (
    SELECT
        agent_id,
        sum(calls)::BIGINT AS calls,
        round(sum(agent_share * calls) / sum(calls), 4) AS agent_share,
        round(sum(user_share * calls) / sum(calls), 4) AS user_share,
        round(sum(decision_share * calls) / sum(calls), 4) AS decision_share,
        round(sum(trace_share * calls) / sum(calls), 4) AS trace_share,
        round(sum(target_linked_share * calls) / sum(calls), 4) AS target_linked_share,
        max(last_call) AS last_call
    FROM delegation_chain_coverage
    GROUP BY agent_id
)
SELECT
    i.agent_id,
    a.name AS agent_name,
    a.kind,
    a.owner,
    coalesce(d.identities, []) AS identities,
    coalesce(s.systems, []) AS systems,
    coalesce(len(s.systems), 0) AS systems_served,
    coalesce(c.credentials, 0) AS credentials,
    coalesce(c.never_expiring, 0) AS never_expiring,
    coalesce(c.over_tier_limit, 0) AS over_tier_limit,
    c.longest_lifetime_s,
    c.tier_limit_s,
    coalesce(ch.calls, 0) AS calls,
    ch.agent_share,
    ch.user_share,
    ch.decision_share,
    ch.trace_share,
    ch.target_linked_share,
    ch.last_call
FROM ids AS i
LEFT JOIN agents AS a USING (agent_id)
LEFT JOIN identities AS d USING (agent_id)
LEFT JOIN served AS s USING (agent_id)
LEFT JOIN creds AS c USING (agent_id)
LEFT JOIN chain AS ch USING (agent_id);
