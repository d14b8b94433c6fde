-- The normalized evidence tables every pipeline writes into and every check reads.
-- Plain SQL types only, so the same tables can be written as Parquet and queried elsewhere.
-- Every row keeps the file it came from (relative to the estate folder) and its line where the
-- format has lines. No column ever holds a literal secret: only redacted forms and fingerprints.

-- Inventory ------------------------------------------------------------------------------------

CREATE TABLE systems (
    system_id      VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    owner          VARCHAR NOT NULL,
    team           VARCHAR NOT NULL,
    business_unit  VARCHAR NOT NULL,
    environment    VARCHAR NOT NULL,
    data_classes   VARCHAR[] NOT NULL,
    tier_override  INTEGER,          -- 1..4, NULL when the tier is derived
    tier_override_reason VARCHAR,
    tier_approver  VARCHAR,          -- who accepted an override that lowers the derived tier
    source_file    VARCHAR NOT NULL,
    source_line    INTEGER
);

CREATE TABLE agents (
    agent_id       VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    owner          VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,  -- agent | human | workflow
    source_file    VARCHAR NOT NULL,
    source_line    INTEGER
);

-- Every string under which an agent appears in credentials or logs (IAM user, SA e-mail,
-- SPIFFE id, Kubernetes subject, client_name, ...). Lets SQL resolve holders without guessing.
CREATE TABLE agent_identities (
    agent_id       VARCHAR NOT NULL,
    identity       VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL
);

-- Which connector configuration (file, optionally a subset of its servers) serves which system
-- on behalf of which agent.
CREATE TABLE connector_assignments (
    config_glob    VARCHAR NOT NULL,
    server_name    VARCHAR,          -- NULL: every server in the matched files
    system_id      VARCHAR NOT NULL,
    agent_id       VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    source_line    INTEGER
);

CREATE TABLE approved_servers (
    system_id      VARCHAR NOT NULL,
    server_name    VARCHAR NOT NULL,
    approved_tools VARCHAR[],        -- NULL: server approved, no tool list given
    source_file    VARCHAR NOT NULL,
    source_line    INTEGER
);

CREATE TABLE log_sinks (
    system_id      VARCHAR NOT NULL,
    sink_name      VARCHAR NOT NULL,
    append_only    BOOLEAN,
    hash_chained   BOOLEAN,
    retention_days INTEGER,
    source_file    VARCHAR NOT NULL,
    source_line    INTEGER
);

CREATE TABLE policy_thresholds (
    tier                       INTEGER PRIMARY KEY,
    max_credential_lifetime_s  BIGINT NOT NULL,
    static_secrets_allowed     BOOLEAN NOT NULL,
    static_rotation_days       INTEGER,   -- NULL when static secrets are never allowed
    write_tools                VARCHAR NOT NULL,  -- exception_only | allowlisted
    agent_coverage             DOUBLE NOT NULL,   -- share 0..1
    user_coverage              DOUBLE NOT NULL,
    target_linkage             DOUBLE,            -- NULL: not required
    retention_days             INTEGER NOT NULL,
    review_window_days         INTEGER NOT NULL,
    task_credential_grace_s    BIGINT NOT NULL,
    remediation_sla_days       INTEGER NOT NULL,  -- days a failing finding may stay open
    tamper_evidence            VARCHAR NOT NULL DEFAULT 'verified',  -- verified | declared: what clears AU-05
    advisory_severities        VARCHAR[] NOT NULL DEFAULT [],        -- failing severities that hold no gate
    source_file                VARCHAR NOT NULL
);

-- Where an organisation loosened a shipped default: reports must say which and by how much.
CREATE TABLE policy_deviations (
    tier           INTEGER NOT NULL,
    threshold      VARCHAR NOT NULL,
    default_value  VARCHAR NOT NULL,
    policy_value   VARCHAR NOT NULL,
    direction      VARCHAR NOT NULL,  -- looser | stricter
    source_file    VARCHAR NOT NULL
);

CREATE TABLE exceptions (
    exception_id   VARCHAR PRIMARY KEY,
    check_id       VARCHAR NOT NULL,
    system_id      VARCHAR NOT NULL,
    resource       VARCHAR,          -- NULL: every resource of that check on that system
    owner          VARCHAR NOT NULL,
    approver       VARCHAR NOT NULL,
    reason_kind    VARCHAR NOT NULL,
    reason         VARCHAR NOT NULL,
    ticket         VARCHAR,
    created        DATE NOT NULL,
    expires        DATE NOT NULL,
    source_file    VARCHAR NOT NULL,
    source_line    INTEGER
);

CREATE TABLE remediation_tickets (
    check_id       VARCHAR NOT NULL,
    system_id      VARCHAR NOT NULL,
    resource       VARCHAR,
    owner          VARCHAR NOT NULL,
    ticket         VARCHAR NOT NULL,
    due            DATE,             -- NULL: due date follows the tier SLA
    source_file    VARCHAR NOT NULL,
    source_line    INTEGER
);

-- Connector configurations -----------------------------------------------------------------------

CREATE TABLE connector_servers (
    connector_id   VARCHAR PRIMARY KEY, -- stable: md5 of source file, scope, project path, server name
    source_file    VARCHAR NOT NULL,
    source_line    INTEGER,
    client         VARCHAR NOT NULL,   -- claude_desktop | claude_code | cursor | vscode | windsurf | cline | continue | zed | gemini_cli | codex
    config_scope   VARCHAR NOT NULL,   -- user | project | local | managed | workspace | block
    project_path   VARCHAR,            -- Claude Code local scope: projects.<path>
    server_name    VARCHAR NOT NULL,
    transport      VARCHAR NOT NULL,   -- stdio | http | sse | unknown
    command        VARCHAR,            -- redacted where a secret was found
    args           VARCHAR[],          -- redacted where a secret was found
    url            VARCHAR,            -- redacted where a secret was found
    env_names      VARCHAR[],
    header_names   VARCHAR[],
    tools_allow    VARCHAR[],          -- NULL: the client has no allowlist for this server
    tools_deny     VARCHAR[],
    auto_approve   VARCHAR[],
    enabled        BOOLEAN,            -- NULL: the client does not say
    approval_state VARCHAR,            -- approved | disabled | pending | NULL (not applicable)
    trust_bypass   BOOLEAN,            -- client skips confirmations (Gemini trust)
    oauth          BOOLEAN NOT NULL,   -- OAuth configured for a remote server
    package_name   VARCHAR,            -- npm / PyPI / image the stdio command launches
    package_version VARCHAR,
    package_pinned BOOLEAN             -- NULL when nothing is launched from a registry
);

-- One row per connector config file a client module read, servers or not: how it was recognised.
CREATE TABLE connector_sources (
    source_file    VARCHAR NOT NULL,
    client         VARCHAR NOT NULL,   -- the client it was read as
    client_candidates VARCHAR[] NOT NULL, -- every client the evidence allows, best first; one when certain
    detection      VARCHAR,            -- the path and content signals that decided
    servers        INTEGER NOT NULL    -- servers loaded (0: the client's ordinary file, no MCP servers)
);

-- One row per value a server definition carries (env, header, arg, url, command).
CREATE TABLE connector_values (
    connector_id   VARCHAR NOT NULL,
    field          VARCHAR NOT NULL,   -- env | header | arg | url | command | env_passthrough
    key            VARCHAR,            -- env / header name, arg position as text
    value_kind     VARCHAR NOT NULL,   -- literal | reference | placeholder (no secret; will not authenticate) | empty
    reference_syntax VARCHAR,          -- input | env | shell | shell_default | gha_secrets | env_name | NULL
    reference_target VARCHAR,          -- the referenced variable / input id
    display_value  VARCHAR,            -- the value when it is not a secret, else the redacted form
    is_secret      BOOLEAN NOT NULL,
    secret_kind    VARCHAR,            -- a TOKEN_FORMATS kind (github_token, api_key_sk, ...) | private_key | jwt | bearer | url_token | url_password | url_path_token | secret_named_key | <kind>_base64 (docs/secrets.md)
    fingerprint    VARCHAR,            -- keyed HMAC; equal across connectors for the same secret
    source_file    VARCHAR NOT NULL
);

-- tools/list results (with annotations) when the estate has them.
CREATE TABLE tools (
    server_name      VARCHAR NOT NULL,
    tool_name        VARCHAR NOT NULL,
    title            VARCHAR,
    description      VARCHAR,
    read_only_hint   BOOLEAN,
    destructive_hint BOOLEAN,
    idempotent_hint  BOOLEAN,
    open_world_hint  BOOLEAN,
    input_arguments  VARCHAR[],        -- property names of the tool's inputSchema
    source_file      VARCHAR NOT NULL
);

-- Credentials -------------------------------------------------------------------------------

CREATE TABLE credentials (
    credential_id  VARCHAR NOT NULL,   -- vendor id (key id, accessor, jti, ...) or a stable hash
    source_format  VARCHAR NOT NULL,   -- aws_iam_report | gcp_sa_keys | entra_app | az_app_credentials | github_fine_grained | vault_token | k8s_token | spiffe_svid | oauth_token | generic_csv
    kind           VARCHAR NOT NULL,   -- static_key | pat | password | certificate | oauth_access | oauth_refresh | x509_svid | jwt_svid | projected_token | legacy_sa_token | vault_token | app_token | federated | managed_key | dynamic_secret
    principal      VARCHAR NOT NULL,   -- who the vendor says holds it; resolved to agents via agent_identities
    actor_chain    VARCHAR[],          -- RFC 8693 act chain, outermost first, when the token carries one
    issued_at      TIMESTAMP,
    expires_at     TIMESTAMP,          -- NULL: never expires (9999-12-31 sentinels map here)
    lifetime_s     BIGINT,             -- expires - issued; NULL when it never expires or is unknown
    last_used_at   TIMESTAMP,
    last_rotated_at TIMESTAMP,
    revoked        BOOLEAN,
    active         BOOLEAN,
    scopes         VARCHAR[],
    source_file    VARCHAR NOT NULL,
    source_line    INTEGER,
    exposed        BOOLEAN,            -- the vendor reports the key material exposed or compromised
    registration_expires_at TIMESTAMP  -- SPIRE: the registration lapses then; after it the workload gets no SVID
);

-- Audit --------------------------------------------------------------------------------------

CREATE TABLE tool_calls (
    event_id        VARCHAR NOT NULL,
    occurred_at     TIMESTAMP,
    source_format   VARCHAR NOT NULL,  -- toolhive | otlp | jsonrpc | ...
    server_name     VARCHAR,
    tool_name       VARCHAR,
    agent_identity  VARCHAR,           -- workload identity as logged (act.sub, SPIFFE, client_name)
    delegated_user  VARCHAR,           -- initiating user or workflow
    delegation_chain VARCHAR[],        -- outermost first
    target_resource VARCHAR,
    policy_decision VARCHAR,           -- allow | deny | NULL (none recorded)
    trace_id        VARCHAR,
    correlation_id  VARCHAR,           -- request id / session id / role session name
    outcome         VARCHAR,           -- success | failure | error | denied | application_error | NULL
    source_file     VARCHAR NOT NULL,
    source_line     BIGINT,
    delegation_issuers VARCHAR[],      -- `iss` of each chain hop, in chain order (NULL where a hop names none)
    delegation_incomplete BOOLEAN,     -- the logged chain is truncated or malformed: no proof of the delegated user
    target_endpoint VARCHAR,           -- URL path the call was sent to
    mcp_method      VARCHAR,           -- MCP method as logged (tools/call), else the HTTP method
    error_code      VARCHAR            -- JSON-RPC error code or OTel error.type of a failed call
);

-- Target-system events (CloudTrail shaped), the last hop of the delegation chain.
CREATE TABLE target_events (
    event_id        VARCHAR NOT NULL,
    occurred_at     TIMESTAMP,
    event_source    VARCHAR,
    event_name      VARCHAR,
    principal_arn   VARCHAR,
    access_key_id   VARCHAR,
    source_identity VARCHAR,
    role_session_name VARCHAR,
    resources       VARCHAR[],
    read_only       BOOLEAN,
    source_file     VARCHAR NOT NULL,
    source_line     BIGINT,
    event_type      VARCHAR,           -- AwsApiCall | AwsServiceEvent | AwsConsoleAction | AwsConsoleSignIn | ...
    on_behalf_of    VARCHAR,           -- the human behind the call (Identity Center trusted identity propagation)
    identity_store_arn VARCHAR,        -- where on_behalf_of is defined (identity store, else the issuer)
    error_code      VARCHAR,           -- AccessDenied, ThrottlingException, ...
    outcome         VARCHAR            -- success | denied | error
);

-- CloudTrail log file integrity validation: one row per digest file, with what was verified.
-- trail_name is the trail in the digest's file name; a log sink in inventory.yaml with that name is
-- judged by these rows (AU-05).
CREATE TABLE audit_digests (
    digest_file     VARCHAR NOT NULL,  -- estate-relative path of the digest file
    trail_name      VARCHAR NOT NULL,
    digest_end_time TIMESTAMP,
    log_files_listed INTEGER NOT NULL,
    log_files_checked INTEGER NOT NULL, -- listed log files present in the estate, hash compared
    status          VARCHAR NOT NULL,  -- verified | contradicted
    problem         VARCHAR,           -- what does not verify, naming the file
    signature       VARCHAR NOT NULL,  -- verified | invalid | not_checked
    source_file     VARCHAR NOT NULL
);

-- Provenance -----------------------------------------------------------------------------------

CREATE TABLE sources (
    source_file    VARCHAR NOT NULL,
    family         VARCHAR NOT NULL,   -- inventory | connectors | credentials | audit
    format         VARCHAR,            -- detected format, NULL when unrecognised
    rows_loaded    BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    bytes          BIGINT NOT NULL,
    sha256         VARCHAR NOT NULL,
    rows_skipped   BIGINT NOT NULL DEFAULT 0  -- valid records set aside on purpose (log lines, Insights events)
);

CREATE TABLE quarantine (
    source_file    VARCHAR NOT NULL,
    family         VARCHAR NOT NULL,
    line           BIGINT,             -- NULL when the whole file is rejected
    reason         VARCHAR NOT NULL    -- one line, never the record itself
);
