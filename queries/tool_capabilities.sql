-- What each listed tool can do, from its MCP annotations and its name.
-- Annotations are hints a server declares about itself, so a risky verb in the name counts too:
-- a tool is read-only only when it says so AND nothing in its name says otherwise.
CREATE OR REPLACE VIEW tool_capabilities AS
WITH named AS (
    SELECT *, lower(tool_name) AS n FROM tools
)
SELECT
    server_name,
    tool_name,
    read_only_hint,
    destructive_hint,
    open_world_hint,
    -- MCP's defaults: destructiveHint is true unless the tool says otherwise or is read-only
    coalesce(destructive_hint, NOT coalesce(read_only_hint, false))
        OR regexp_matches(n, '(^|_)(delete|drop|destroy|truncate|remove|purge|wipe|terminate|revoke)($|_)')
        AS is_destructive,
    NOT coalesce(read_only_hint, false)
        OR regexp_matches(n, '(^|_)(create|update|write|insert|upsert|put|patch|post|set|delete|drop|remove|merge|push|deploy|send|exec|execute|run|transfer|pay|refund|approve|grant|publish|upload|commit|close|assign|move|rotate)($|_)')
        AS is_write,
    regexp_matches(n, '(secret|vault|credential|password|private_key|api_key|(^|_)token($|_))') AS reaches_secrets,
    regexp_matches(n, '(payment|(^|_)pay($|_)|refund|transfer|payout|invoice|charge|ledger_post|wire)') AS is_financial,
    regexp_matches(n, '(admin|(^|_)iam($|_)|role|permission|grant|sudo|policy|user_create|create_user)') AS is_admin,
    -- sends data out: a sending verb, or a write into the open world
    regexp_matches(n, '(^|_)(send|email|mail|post_message|webhook|http_request|upload|publish|share|tweet)($|_)')
        OR (coalesce(open_world_hint, false) AND NOT coalesce(read_only_hint, false)) AS is_egress,
    regexp_matches(n, '(exec|shell|run_command|execute|eval)') AS is_exec,
    regexp_matches(n, '(^|_)(read|get|list|search|query|describe|fetch|find|show|view|select|lookup|browse|download)($|_)') AS reads_data,
    source_file
FROM named;
