"""Audit logs: ToolHive events, OTLP traces, JSON-RPC captures and CloudTrail, read with DuckDB."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from mcp_clearance.pipelines import audit
from mcp_clearance.pipelines.base import LoadContext, load_family
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import create_schema

AUDIT = Path(__file__).parent / "fixtures" / "audit"


def load(folder: Path, root: Path | None = None) -> LoadContext:
    con = duckdb.connect()
    create_schema(con)
    ctx = LoadContext(con=con, estate_root=root or folder, scanner=SecretScanner(b"k" * 32))
    load_family(ctx, "audit", audit, folder)
    return ctx


@pytest.fixture(scope="module")
def good() -> LoadContext:
    return load(AUDIT, AUDIT)


def calls(ctx: LoadContext, fmt: str, source: str) -> list[tuple]:
    return ctx.con.execute(
        "SELECT event_id, occurred_at::VARCHAR, server_name, tool_name, agent_identity, delegated_user, "
        "delegation_chain, policy_decision, trace_id, correlation_id, outcome, source_line "
        "FROM tool_calls WHERE source_format = ? AND source_file = ? ORDER BY source_line", [fmt, source]).fetchall()


def test_toolhive_tool_calls_with_delegation_chain_and_bad_line_quarantined(good: LoadContext) -> None:
    rows = calls(good, "toolhive", "toolhive.audit.jsonl")
    assert rows == [
        ("01be8d47-3ab0-4aa9-ad14-bd5bb408005d", "2026-08-21 12:35:55.942091", "github", "create_issue",
         "spiffe://acme.prod/ns/agents/sa/triage-agent", "alice@acme.example",
         ["spiffe://acme.prod/ns/agents/sa/triage-agent", "workflow:nightly-triage"], None, None, "req-7f1c",
         "success", 1),
        # ToolHive's "anonymous" is an unauthenticated caller: no delegated user was proven
        ("22222222-3ab0-4aa9-ad14-bd5bb408005d", "2026-08-21 12:36:00", "github", "delete_repo", "triage-agent",
         None, None, "deny", None, "req-8a2d", "denied", 3),
        ("44444444-camel", "2026-08-21 12:38:00", "github", "get_issue", "triage-agent", None, None, None, None,
         None, "success", 5),
    ]
    assert ("toolhive.audit.jsonl", "audit", 4, "not valid JSON") in good.quarantined


def test_gzip_copy_loads_the_same_rows(good: LoadContext) -> None:
    plain = [r[1:] for r in calls(good, "toolhive", "toolhive.audit.jsonl")]
    zipped = [r[1:] for r in calls(good, "toolhive", "toolhive-copy.audit.jsonl.gz")]
    assert plain == zipped


def test_otlp_spans_pivoted_from_attributes(good: LoadContext) -> None:
    assert calls(good, "otlp", "otlp.traces.json") == [
        ("2671a17dca7b90af5b00c97d7fbff296:c8268b1842c1527f", "2026-10-22 00:50:53.375601", "orders", "get_order",
         "system:serviceaccount:orders:orders-agent", "bob@acme.example", None, "allow",
         "2671a17dca7b90af5b00c97d7fbff296", "sess-1", "success", 1),
    ]


def test_pretty_printed_otlp_document_loads_the_same_spans(good: LoadContext, tmp_path: Path) -> None:
    document = json.loads((AUDIT / "otlp.traces.json").read_text())
    (tmp_path / "export.json").write_text(json.dumps(document, indent=2))
    ctx = load(tmp_path)
    assert ctx.quarantined == []
    pretty = [r[1:-1] for r in calls(ctx, "otlp", "export.json")]
    assert pretty == [r[1:-1] for r in calls(good, "otlp", "otlp.traces.json")]
    assert [r[-1] for r in calls(ctx, "otlp", "export.json")] == [None]  # a span of a document has no line


def test_long_compact_otlp_lines_stay_json_lines(good: LoadContext, tmp_path: Path) -> None:
    """A batched export line longer than any sniffing window is still read line by line, with line numbers."""
    document = json.loads((AUDIT / "otlp.traces.json").read_text())
    document["resourceSpans"][0]["resource"]["attributes"].append(
        {"key": "padding", "value": {"stringValue": "x" * 10_000}})
    (tmp_path / "batch.json").write_text(json.dumps(document) + "\n" + "{not json\n")
    ctx = load(tmp_path)
    assert [r[-1] for r in calls(ctx, "otlp", "batch.json")] == [1]
    assert ctx.quarantined == [("batch.json", "audit", 2, "not valid JSON")]


def test_otlp_span_with_a_repeated_attribute_keeps_the_first_value(good: LoadContext, tmp_path: Path) -> None:
    document = json.loads((AUDIT / "otlp.traces.json").read_text())
    span = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    span["attributes"].append({"key": "enduser.id", "value": {"stringValue": "mallory@acme.example"}})
    (tmp_path / "repeated.json").write_text(json.dumps(document))
    ctx = load(tmp_path)
    assert ctx.quarantined == []
    assert [r[5] for r in calls(ctx, "otlp", "repeated.json")] == ["bob@acme.example"]


@pytest.mark.parametrize(("source", "server", "tool", "trace", "outcome"), [
    ("capture.session.jsonl", "erp-db", "execute_sql", "124c2d55c2471e41dc8ec91416e9854c", "failure"),
    ("capture.stateless.jsonl", "datasets", "list_datasets", "7a3bf668e6e067abf666945e22c7f595", "success"),
])
def test_jsonrpc_captures_of_both_protocol_styles(good: LoadContext, source: str, server: str, tool: str,
                                                  trace: str, outcome: str) -> None:
    [row] = calls(good, "jsonrpc", source)
    assert (row[2], row[3], row[4], row[5], row[8], row[10]) == (server, tool, None, None, trace, outcome)


def test_jsonrpc_responses_match_requests_within_their_session(tmp_path: Path) -> None:
    """Each `initialize` opens a session and request ids start again: id 1 of session two is its own call."""
    session = (AUDIT / "capture.session.jsonl").read_text().splitlines()
    second = [line.replace('"isError":true', '"isError":false').replace("select 1", "select 2") for line in session]
    (tmp_path / "erp.erp-db.session.jsonl").write_text("\n".join(session + second) + "\n")
    ctx = load(tmp_path)
    rows = [(r[10], r[11]) for r in calls(ctx, "jsonrpc", "erp.erp-db.session.jsonl")]
    assert rows == [("failure", 3), ("success", 7)]


def test_jsonrpc_capture_is_recognised_whatever_the_key_order_and_named_by_its_file(tmp_path: Path) -> None:
    """Clients serialise `jsonrpc` anywhere in the object; a capture without serverInfo takes the file's name."""
    lines = [
        '{"method":"tools/call","params":{"name":"list_schemas","arguments":{}},"jsonrpc":"2.0","id":7}',
        '{"id":7,"jsonrpc":"2.0","result":{"content":[],"isError":false}}',
    ]
    (tmp_path / "erp-db.session.jsonl").write_text("\n".join(lines) + "\n")
    ctx = load(tmp_path)
    assert ctx.quarantined == []
    [row] = calls(ctx, "jsonrpc", "erp-db.session.jsonl")
    assert (row[2], row[3], row[10]) == ("erp-db", "list_schemas", "success")


@pytest.mark.parametrize(("logged", "stored"), [("BLOCK", "deny"), ("Denied", "deny"), ("allow", "allow"),
                                                ("Permitted", "allow"), ("log_only", "log_only")])
def test_policy_decisions_are_normalised(tmp_path: Path, logged: str, stored: str) -> None:
    document = json.loads((AUDIT / "otlp.traces.json").read_text())
    span = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    span["attributes"] = [a for a in span["attributes"] if not a["key"].endswith("decision")]
    span["attributes"].append({"key": "agent.threat.detection.action", "value": {"stringValue": logged}})
    (tmp_path / "spans.json").write_text(json.dumps(document))
    [row] = calls(load(tmp_path), "otlp", "spans.json")
    assert row[7] == stored


def test_event_times_are_utc_whatever_the_connection_time_zone(tmp_path: Path) -> None:
    shutil.copy(AUDIT / "toolhive.audit.jsonl", tmp_path)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/New_York'")
    create_schema(con)
    ctx = LoadContext(con=con, estate_root=tmp_path, scanner=SecretScanner(b"k" * 32))
    load_family(ctx, "audit", audit, tmp_path)
    first = con.execute("SELECT occurred_at::VARCHAR FROM tool_calls ORDER BY source_line LIMIT 1").fetchone()[0]
    assert first == "2026-08-21 12:35:55.942091"  # the event's own UTC time, not shifted to New York


def test_cloudtrail_records_document_plain_and_gzip(good: LoadContext) -> None:
    rows = good.con.execute(
        "SELECT event_id, occurred_at::VARCHAR, event_source, event_name, principal_arn, access_key_id, "
        "source_identity, role_session_name, resources, read_only, source_file FROM target_events ORDER BY source_file"
    ).fetchall()
    expected = ("c71a-1", "2026-08-21 12:35:55", "secretsmanager.amazonaws.com", "GetSecretValue",
                "arn:aws:iam::123456789012:role/mcp-aws-triage-agent", "ASIAEXAMPLEFAKE00001", "alice@acme.example",
                "triage-agent.c-42",
                ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/payments/ledger-db-AbCdEf"], True)
    assert rows == [(*expected, "ct-copy.json.gz"), (*expected, "ct.json")]


def test_broken_files_are_quarantined_whole_and_nothing_partial_is_left(tmp_path: Path) -> None:
    folder = tmp_path / "audit"
    shutil.copytree(AUDIT / "broken", folder)
    shutil.copy(AUDIT / "toolhive.audit.jsonl", folder / "good.audit.jsonl")
    ctx = load(folder)
    reasons = {source: (line, reason) for source, _, line, reason in ctx.quarantined}
    assert reasons["empty.jsonl"] == (None, "empty file")
    assert reasons["notes.txt"][1].startswith("unrecognised audit format")
    assert reasons["truncated.audit.jsonl.gz"][0] is None
    assert "truncated.audit.jsonl.gz" not in {r[0] for r in ctx.con.execute(
        "SELECT DISTINCT source_file FROM tool_calls").fetchall()}
    assert ctx.con.execute("SELECT count(*) FROM tool_calls WHERE source_file = 'good.audit.jsonl'").fetchone() == (3,)


def test_a_huge_line_is_quarantined_and_its_neighbours_load(tmp_path: Path) -> None:
    good_line = (AUDIT / "toolhive.audit.jsonl").read_text().splitlines()[0]
    huge = '{"msg":"audit_event","audit_id":"x","type":"mcp_tool_call","pad":"' + "A" * (17 * 1024 * 1024) + '"}'
    (tmp_path / "big.audit.jsonl").write_text(f"{good_line}\n{huge}\n{good_line}\n")
    ctx = load(tmp_path)
    assert [(line, reason) for _, _, line, reason in ctx.quarantined] == [(2, "line too long")]
    assert ctx.con.execute("SELECT list(source_line ORDER BY source_line) FROM tool_calls").fetchone() == ([1, 3],)


# Real-world shapes (tests/fixtures/realworld/audit, sources in its SOURCES.md) -------------------------

REALWORLD = Path(__file__).parent / "fixtures" / "realworld" / "audit"
TOOLHIVE_LOG = "toolhive/github.stdout.log"
OTEL = "otel/collector-file-exporter.traces.jsonl"
CLOUDTRAIL = "cloudtrail/111122223333_CloudTrail_eu-west-1_20261118T0905Z_a1b2c3d4e5f60718.json"
INSIGHTS = "cloudtrail/111122223333_CloudTrail-Insight_eu-west-1_20261118T0900Z_0f1e2d3c4b5a6978.json"


@pytest.fixture(scope="module")
def realworld(tmp_path_factory: pytest.TempPathFactory) -> LoadContext:
    corpus = tmp_path_factory.mktemp("realworld") / "audit"
    shutil.copytree(REALWORLD, corpus, ignore=shutil.ignore_patterns("SOURCES.md"))  # the corpus's own notes
    ctx = load(corpus, corpus)
    assert ctx.quarantined == []
    return ctx


def source_row(ctx: LoadContext, source: str) -> tuple:
    return next(row for row in ctx.sources if row[0] == source)


def by_tool(ctx: LoadContext, source: str, columns: str) -> dict[str, tuple]:
    rows = ctx.con.execute(f"SELECT tool_name, {columns} FROM tool_calls WHERE source_file = ?", [source]).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_toolhive_stdout_log_loads_every_audit_event_among_its_log_lines(realworld: LoadContext) -> None:
    lines = [json.loads(line) for line in (REALWORLD / TOOLHIVE_LOG).read_text().splitlines()]
    log_lines = [d for d in lines if d.get("msg") != "audit_event"]
    tool_events = [d for d in lines if d.get("type") == "mcp_tool_call"
                   or (d.get("type") == "vmcp_workflow_step_started" and "tool_name" in d["target"])]
    assert lines[0]["msg"] != "audit_event", "the fixture must start with an ordinary log line"
    _, _, fmt, loaded, quarantined, _, _, skipped = source_row(realworld, TOOLHIVE_LOG)
    assert (fmt, loaded, quarantined, skipped) == ("toolhive", len(tool_events), 0, len(log_lines))
    stored = {r[0] for r in realworld.con.execute("SELECT event_id FROM tool_calls WHERE source_file = ?",
                                                  [TOOLHIVE_LOG]).fetchall()}
    assert stored == {d["audit_id"] for d in tool_events}


def test_toolhive_user_chain_flags_target_and_error_code(realworld: LoadContext) -> None:
    rows = by_tool(realworld, TOOLHIVE_LOG, "delegated_user, delegation_incomplete, outcome, error_code, "
                   "target_endpoint, mcp_method, delegation_issuers")
    # a token without a name claim: `user` is "anonymous", the token's subject in `user_id` is the delegating user
    assert rows["get_issue"][0] == "94482488-3041-7026-18f3-be45837cd0e4"
    assert rows["delete_repo"][0] is None  # unauthenticated: no subject at all
    assert rows["search_issues"][:2] == ("dana.kim@acme.example", False)
    assert rows["list_pull_requests"][1] is True and rows["get_file"][1] is True  # truncated, malformed chains
    assert rows["create_issue"][2:6] == ("application_error", "-32603", "/mcp", "tools/call")
    assert rows["search_issues"][6] == ["https://idp.acme.example"]


def test_toolhive_workflow_tool_steps_take_their_outcome_from_the_step_end(realworld: LoadContext) -> None:
    rows = by_tool(realworld, TOOLHIVE_LOG, "server_name, outcome, agent_identity")
    assert rows["github_list_commits"] == ("vmcp-composer", "success", "spiffe://acme.prod/ns/agents/sa/release-agent")
    assert rows["confluence_create_page"][1] == "failure"


def test_toolhive_struct_json_form_is_detected_and_read(realworld: LoadContext) -> None:
    assert source_row(realworld, "toolhive/jira.struct.jsonl")[2:5] == ("toolhive", 1, 0)
    [row] = realworld.con.execute(
        "SELECT event_id, occurred_at::VARCHAR, server_name, delegated_user, correlation_id FROM tool_calls "
        "WHERE source_file = 'toolhive/jira.struct.jsonl'").fetchall()
    assert row == ("c3a7e9d1-51f2-4b8e-a0c4-7e2d9b6f1a01", "2026-11-18 10:00:00.123456", "jira",
                   "mei.tanaka@acme.example", "r-77")


def test_conventional_otel_trace_yields_one_row_per_tool_call_with_agent_and_user(realworld: LoadContext) -> None:
    rows = realworld.con.execute(
        "SELECT tool_name, trace_id, server_name, agent_identity, delegated_user, outcome, error_code, correlation_id "
        "FROM tool_calls WHERE source_file = ? ORDER BY occurred_at", [OTEL]).fetchall()
    assert rows == [
        # execute_tool + MCP client + MCP server spans of one call; agent from invoke_agent, user from the root span,
        # the server from the server span's service (never the client's own service.name)
        ("search_issues", "5b8efff798038103d269b633813fc60c", "github-mcp", "asst_7Hq2", "dana.kim@acme.example",
         "success", None, "191c4850af6c49e08843a3f6c80e5046"),
        ("create_issue", "5b8efff798038103d269b633813fc60c", "github-mcp", "asst_7Hq2", "dana.kim@acme.example",
         "failure", "tool_error", "191c4850af6c49e08843a3f6c80e5046"),
        # the server span's parent was not exported: joined to the client span by trace and jsonrpc.request.id
        ("get_issue", "0af7651916cd43dd8448eb211c80319c", "github-mcp", "triage-agent", "workflow:nightly-triage",
         "error", "-32603", "9"),
    ]
    assert source_row(realworld, OTEL)[4] == 0


def test_otel_client_span_alone_takes_its_server_from_server_address(tmp_path: Path) -> None:
    lines = (REALWORLD / OTEL).read_text().splitlines()
    (tmp_path / "client.traces.jsonl").write_text(lines[2] + "\n")  # the agent's spans of trace 2 only
    ctx = load(tmp_path)
    assert calls(ctx, "otlp", "client.traces.jsonl")[0][2] == "github-mcp.tools.svc"


def test_otel_attribute_value_types_are_read(tmp_path: Path) -> None:
    document = json.loads((AUDIT / "otlp.traces.json").read_text())
    span = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    span["attributes"] = [a for a in span["attributes"] if a["key"] not in ("enduser.id", "mcp.session.id")]
    one_user = {"arrayValue": {"values": [{"stringValue": "ann@x.example"}]}}
    span["attributes"] += [{"key": "enduser.id", "value": one_user},
                           {"key": "jsonrpc.request.id", "value": {"intValue": 42}},
                           {"key": "rpc.response.status_code", "value": {"doubleValue": -32603.0}}]
    (tmp_path / "types.json").write_text(json.dumps(document))
    [row] = calls(load(tmp_path), "otlp", "types.json")
    assert (row[5], row[9], row[10]) == ("ann@x.example", "42", "error")


def test_cloudtrail_on_behalf_of_assume_role_and_denials(realworld: LoadContext) -> None:
    rows = {r[0]: r[1:] for r in realworld.con.execute(
        "SELECT event_name, source_identity, role_session_name, on_behalf_of, identity_store_arn, error_code, outcome "
        "FROM target_events WHERE source_file = ?", [CLOUDTRAIL]).fetchall()}
    assert rows["AssumeRole"][:2] == ("dana.kim@acme.example", "req-0001")  # from requestParameters
    assert rows["GetObject"][2:4] == ("94482488-3041-7026-18f3-be45837cd0e4",
                                      "arn:aws:identitystore::111122223333:identitystore/d-9067230b57")
    assert rows["GetSecretValue"][4:] == ("AccessDenied", "denied")
    assert rows["Query"][4:] == ("ThrottlingException", "error")
    assert rows["AssumeRole"][5] == rows["GetObject"][5] == "success"


def test_cloudtrail_insights_events_are_skipped_and_counted(realworld: LoadContext) -> None:
    assert source_row(realworld, INSIGHTS)[2:5] == ("cloudtrail", 1, 0)
    assert source_row(realworld, INSIGHTS)[7] == 1
    assert realworld.con.execute("SELECT count(*) FROM target_events WHERE event_type = 'AwsCloudTrailInsight'"
                                 ).fetchone() == (0,)


def test_cloudtrail_on_behalf_of_links_the_call_to_that_user(realworld: LoadContext) -> None:
    """The ToolHive call of the Identity Center user (token subject in user_id) links to the S3 call made for them."""
    con = realworld.con.cursor()
    con.execute("CREATE TEMP TABLE agent_identities AS SELECT * FROM main.agent_identities")
    con.execute("INSERT INTO agent_identities VALUES "
                "('triage-agent', 'spiffe://acme.prod/ns/agents/sa/triage-agent', 'inventory.yaml'), "
                "('triage-agent', 'arn:aws:iam::111122223333:role/mcp-triage-agent', 'inventory.yaml')")
    con.execute((Path(__file__).parent.parent / "queries" / "tool_call_targets.sql").read_text()
                .replace("CREATE OR REPLACE VIEW tool_call_targets", "CREATE TEMP VIEW tool_call_targets"))
    linked = con.execute("SELECT c.tool_name, t.target_action FROM tool_call_targets AS t JOIN tool_calls AS c "
                         "USING (event_id) WHERE c.source_file = ?", [TOOLHIVE_LOG]).fetchall()
    assert ("get_issue", "s3.amazonaws.com:GetObject") in linked


@pytest.mark.parametrize(("incomplete", "expected"), [(True, "FAIL"), (False, "PASS"), (None, "PASS")])
def test_a_user_named_through_an_incomplete_chain_is_not_proof_for_au03(tmp_path: Path, incomplete: bool | None,
                                                                        expected: str) -> None:
    from test_checks import build_estate, status

    con = build_estate(tmp_path, {"rows": {"tool_calls": [{"delegation_incomplete": incomplete}]}})
    assert status(con, "AU-03")[0] == expected


# All files of a format in one reader ---------------------------------------------------------------------------


def test_files_read_together_keep_their_own_line_numbers_and_quarantines(tmp_path: Path) -> None:
    """One reader numbers lines across every file of a format; each row and quarantine keeps its own file's line."""
    events = (AUDIT / "toolhive.audit.jsonl").read_text().splitlines()
    (tmp_path / "a.audit.jsonl").write_text("\n".join(events) + "\n")  # line 4 is not JSON
    # a second file that starts with a blank line, has its own bad line 3, and the first file's events after it
    (tmp_path / "b.audit.jsonl").write_text("\n" + events[0] + "\n{cut\n" + events[2] + "\n")
    ctx = load(tmp_path)
    assert sorted(q for q in ctx.quarantined) == [("a.audit.jsonl", "audit", 4, "not valid JSON"),
                                                  ("b.audit.jsonl", "audit", 3, "not valid JSON")]
    lines = ctx.con.execute("SELECT source_file, list(source_line ORDER BY source_line) FROM tool_calls "
                            "GROUP BY ALL ORDER BY ALL").fetchall()
    assert lines == [("a.audit.jsonl", [1, 3, 5]), ("b.audit.jsonl", [2, 4])]
    assert {s[0]: s[3:5] for s in ctx.sources} == {"a.audit.jsonl": (3, 1), "b.audit.jsonl": (2, 1)}


def test_a_file_that_spoils_its_formats_batch_is_quarantined_alone(tmp_path: Path) -> None:
    """A gzip cut short fails the one statement reading all ToolHive files: each is then read alone."""
    shutil.copy(AUDIT / "broken" / "truncated.audit.jsonl.gz", tmp_path / "b-truncated.audit.jsonl.gz")
    for name in ("a.audit.jsonl", "c.audit.jsonl"):
        shutil.copy(AUDIT / "toolhive.audit.jsonl", tmp_path / name)
    ctx = load(tmp_path)
    assert {q[0] for q in ctx.quarantined} == {"a.audit.jsonl", "b-truncated.audit.jsonl.gz", "c.audit.jsonl"}
    assert next(q[2] for q in ctx.quarantined if q[0] == "b-truncated.audit.jsonl.gz") is None  # the file, whole
    assert ctx.con.execute("SELECT source_file, count(*) FROM tool_calls GROUP BY ALL ORDER BY ALL").fetchall() == [
        ("a.audit.jsonl", 3), ("c.audit.jsonl", 3)]
    # the batch's quarantines were undone before each file was read again: line 4 once per good file
    assert sorted(q[:3] for q in ctx.quarantined if q[0] != "b-truncated.audit.jsonl.gz") == [
        ("a.audit.jsonl", "audit", 4), ("c.audit.jsonl", "audit", 4)]


def test_running_out_of_memory_stops_the_load_and_quarantines_nothing(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from mcp_clearance.pipelines.audit import toolhive
    from mcp_clearance.pipelines.base import OutOfMemory

    def out_of_memory(ctx: LoadContext, paths: list[Path]) -> dict[Path, int]:
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256 KiB")

    shutil.copy(AUDIT / "toolhive.audit.jsonl", tmp_path)
    monkeypatch.setattr(toolhive, "load_many", out_of_memory)
    con = duckdb.connect()
    create_schema(con)
    ctx = LoadContext(con=con, estate_root=tmp_path, scanner=SecretScanner(b"k" * 32))
    with pytest.raises(OutOfMemory, match=r"^out of memory while reading .*; the published run is unchanged"):
        load_family(ctx, "audit", audit, tmp_path)
    assert ctx.quarantined == []


def test_a_batch_too_large_for_memory_loads_in_halves_and_loses_nothing(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from mcp_clearance.pipelines.audit import toolhive

    real_load_many, batches = toolhive.load_many, []

    def fits_two_files(ctx: LoadContext, paths: list[Path]) -> dict[Path, int]:
        batches.append(len(paths))
        if len(paths) > 2:
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256 KiB")
        return real_load_many(ctx, paths)

    for name in ("a", "b", "c", "d", "e"):
        shutil.copy(AUDIT / "toolhive.audit.jsonl", tmp_path / f"{name}.audit.jsonl")
    monkeypatch.setattr(toolhive, "load_many", fits_two_files)
    con = duckdb.connect()
    create_schema(con)
    ctx = LoadContext(con=con, estate_root=tmp_path, scanner=SecretScanner(b"k" * 32))
    load_family(ctx, "audit", audit, tmp_path)
    # five files: refused, then 2 loaded and 3 refused, then 1 and 2 loaded; no file read alone
    assert batches == [5, 2, 3, 1, 2]
    per_file = dict(con.execute("SELECT source_file, count(*) FROM tool_calls GROUP BY ALL").fetchall())
    alone = duckdb.connect()
    create_schema(alone)
    single = LoadContext(con=alone, estate_root=tmp_path, scanner=SecretScanner(b"k" * 32))
    expected = real_load_many(single, [tmp_path / "a.audit.jsonl"])[tmp_path / "a.audit.jsonl"]
    assert expected > 0 and per_file == {f"{n}.audit.jsonl": expected for n in "abcde"}
    # each file's bad lines set aside once, as when it is read alone (the refused batches' quarantines undone)
    assert sorted(q[:3] for q in ctx.quarantined) == sorted((f"{n}.audit.jsonl", *q[1:3])
                                                            for n in "abcde" for q in single.quarantined)


def test_the_run_sets_duckdbs_resources_deliberately(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mcp_clearance.run import duckdb_config

    monkeypatch.delenv("MCP_CLEARANCE_MEMORY_LIMIT", raising=False)
    monkeypatch.setenv("MCP_CLEARANCE_THREADS", "1")
    con = duckdb.connect(str(tmp_path / "staging.duckdb"), config=duckdb_config(tmp_path / "spill"))
    settings = dict(con.execute("SELECT name, value FROM duckdb_settings() WHERE name IN ('memory_limit', "
                                "'threads', 'temp_directory', 'preserve_insertion_order')").fetchall())
    assert settings["threads"] == "1" and settings["preserve_insertion_order"] == "false"
    assert settings["temp_directory"] == str(tmp_path / "spill")
    assert settings["memory_limit"] == "953.6 MiB"  # 1GB (10^9 bytes), as DuckDB prints it
    monkeypatch.setenv("MCP_CLEARANCE_MEMORY_LIMIT", "2GB")
    assert duckdb_config(tmp_path)["memory_limit"] == "2GB"
