-- Tables the evaluation writes next to the evidence. Views over them live in queries/.

CREATE TABLE run_context (
    run_id        VARCHAR NOT NULL,
    as_of         DATE NOT NULL,       -- "today" for every time-based check
    published_at  TIMESTAMP NOT NULL,
    catalog_hash  VARCHAR NOT NULL
);

CREATE TABLE check_catalog (
    check_id      VARCHAR PRIMARY KEY,
    gate          VARCHAR NOT NULL,    -- identity | scope | audit
    severity      VARCHAR NOT NULL,
    title         VARCHAR NOT NULL,
    rationale     VARCHAR NOT NULL,
    remediation   VARCHAR NOT NULL,
    effort        VARCHAR NOT NULL,
    evidence      VARCHAR[] NOT NULL,
    read_only_relief BOOLEAN NOT NULL, -- failures lifted when the agent is held to read-only tools
    check_hash    VARCHAR NOT NULL     -- metadata + query; a change makes deltas incomparable
);

CREATE TABLE framework_requirements (
    framework_id    VARCHAR NOT NULL,
    framework_name  VARCHAR NOT NULL,
    group_attribute VARCHAR NOT NULL,  -- the framework's own grouping: layer, function, family, ...
    requirement_id  VARCHAR NOT NULL,
    title           VARCHAR NOT NULL,
    group_value     VARCHAR,
    position        INTEGER NOT NULL,
    check_id        VARCHAR,           -- NULL: no check covers it (a gap)
    strength        VARCHAR            -- full | partial
);

CREATE TABLE check_results (
    check_id      VARCHAR NOT NULL,
    system_id     VARCHAR NOT NULL,
    resource      VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,    -- PASS | FAIL | UNKNOWN | NOT_APPLICABLE
    reason        VARCHAR NOT NULL,
    observed      VARCHAR,
    expected      VARCHAR,
    evidence      VARCHAR,             -- source rows: file:line, ...
    finding_id    VARCHAR NOT NULL     -- md5(check, system, resource): stable across runs
);

-- History carried from one published database to the next.
CREATE TABLE runs (
    run_id        VARCHAR NOT NULL,
    as_of         DATE NOT NULL,
    published_at  TIMESTAMP NOT NULL,
    catalog_hash  VARCHAR NOT NULL
);

CREATE TABLE findings_history (
    run_id        VARCHAR NOT NULL,
    as_of         DATE NOT NULL,
    finding_id    VARCHAR NOT NULL,
    check_id      VARCHAR NOT NULL,
    system_id     VARCHAR NOT NULL,
    resource      VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,
    suppressed    BOOLEAN NOT NULL,
    check_hash    VARCHAR NOT NULL,
    evidence_present VARCHAR[] NOT NULL -- evidence families the system had in that run
);

CREATE TABLE verdict_history (
    run_id        VARCHAR NOT NULL,
    as_of         DATE NOT NULL,
    system_id     VARCHAR NOT NULL,
    tier          INTEGER NOT NULL,
    verdict       VARCHAR NOT NULL,
    verdict_after_risk VARCHAR NOT NULL
);

-- Read-only relief (checks marked read_only_relief): each such check is evaluated a second time with
-- `read_only_tools` true, so that the view tools_in_scope holds only the agents' read-only tools.
-- Its failure is relieved only when that second evaluation passes.
CREATE TABLE relief_scope (
    read_only_tools BOOLEAN NOT NULL
);
INSERT INTO relief_scope VALUES (false);

CREATE TABLE relief_results (
    check_id      VARCHAR NOT NULL,
    system_id     VARCHAR NOT NULL,
    resource      VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,    -- the check's status over the read-only tools alone
    reason        VARCHAR NOT NULL
);
