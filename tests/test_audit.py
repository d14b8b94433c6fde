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
