-- What each listed tool can do, from its MCP annotations, its name and its input arguments.
-- Annotations are hints a server declares about itself, so a risky verb in the name counts too:
-- a tool is read-only only when it says so AND nothing in its name says otherwise.
-- A sink (is_sink, also is_egress) is a tool that can reach arbitrary external destinations, judged
-- by what it can reach and not by its read/write hint (a GET carries data out in its URL):
-- open-world (openWorldHint true, or no openWorldHint: MCP's default is true), a destination
-- argument in its inputSchema (url, uri, host, endpoint, webhook, recipient, to, cc, bcc, email),
-- or a sending verb in its name.
CREATE OR REPLACE VIEW tool_capabilities AS
WITH named AS (
    SELECT *, lower(tool_name) AS n,
           list_filter(coalesce(input_arguments, []), lambda a: regexp_matches(lower(a),
               '^((to|cc|bcc|recipients?|emails?|email_address(es)?|url|urls|uri|host|hostname|endpoint|webhook)'
               || '|.*_(url|uri|host|hostname|endpoint|webhook|email|recipients?)|(webhook|callback|endpoint)_.*)$'))
               AS destination_arguments
    FROM tools
),
judged AS (
    SELECT *,
           coalesce(open_world_hint, true) AS is_open_world,
           regexp_matches(n, '(^|_)(send|email|mail|post_message|webhook|http_request|upload|publish|share|tweet)($|_)')
               AS sends_by_name
    FROM named
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
    is_open_world,
    destination_arguments,
    is_open_world OR array_length(destination_arguments) > 0 OR sends_by_name AS is_sink,
    is_open_world OR array_length(destination_arguments) > 0 OR sends_by_name AS is_egress,
    array_to_string(list_filter([
        CASE WHEN open_world_hint THEN 'open-world (openWorldHint true)'
             WHEN open_world_hint IS NULL THEN 'open-world (no openWorldHint; MCP default true)' END,
        CASE WHEN array_length(destination_arguments) > 0
             THEN 'takes a destination argument (' || array_to_string(destination_arguments, ', ') || ')' END,
        CASE WHEN sends_by_name THEN 'sends by name' END], lambda x: x IS NOT NULL), '; ') AS sink_reason,
    regexp_matches(n, '(exec|shell|run_command|execute|eval)') AS is_exec,
    regexp_matches(n, '(^|_)(read|get|list|search|query|describe|fetch|find|show|view|select|lookup|browse|download)($|_)') AS reads_data,
    source_file
FROM judged;
