"""Bad audit records: one bad line or value is quarantined alone (file, line, field), the rest of the file loads,
and no reason quotes the input."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from mcp_clearance.pipelines import audit
from mcp_clearance.pipelines.base import LoadContext, load_family
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import create_schema

REALWORLD = Path(__file__).parent.parent / "fixtures" / "realworld" / "audit"
MARKER = "Zq7MARKERvalue"  # planted in bad values; the exact reasons asserted below do not quote it


def load(folder: Path) -> LoadContext:
    con = duckdb.connect()
    create_schema(con)
    ctx = LoadContext(con=con, estate_root=folder, scanner=SecretScanner(b"k" * 32))
    load_family(ctx, "audit", audit, folder)
    return ctx


def rows(ctx: LoadContext, table: str = "tool_calls") -> int:
    return ctx.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def toolhive_event(n: int) -> dict:
    return {"time": f"2026-11-18T09:{n // 60:02d}:{n % 60:02d}Z", "level": "AUDIT", "msg": "audit_event",
            "audit_id": f"00000000-0000-4000-8000-{n:012d}", "type": "mcp_tool_call",
            "logged_at": f"2026-11-18T09:{n // 60:02d}:{n % 60:02d}.000000001Z", "outcome": "success",
            "component": "github", "source": {"type": "network", "value": "10.0.0.1", "extra": {}},
            "subjects": {"user_id": "00u1", "user": "ann@acme.example", "client_name": "triage-agent"},
            "target": {"endpoint": "/mcp", "method": "tools/call", "type": "tool", "name": f"tool_{n}"},
            "metadata": {"extra": {"duration_ms": 5, "transport": "http"}}}


def test_a_toolhive_file_whose_first_line_is_cut_keeps_the_other_59_events(tmp_path: Path) -> None:
    lines = [json.dumps(toolhive_event(n)) for n in range(60)]
    lines[0] = lines[0][len(lines[0]) // 2:]  # the log was rotated mid-line: the first line starts half-way
    (tmp_path / "github.audit.jsonl").write_text("\n".join(lines) + "\n")
    ctx = load(tmp_path)
    assert ctx.sources[0][2:5] == ("toolhive", 59, 1)
    assert ctx.quarantined == [("github.audit.jsonl", "audit", 1, "not valid JSON")]


def test_a_toolhive_log_that_starts_with_ordinary_log_lines_is_recognised(tmp_path: Path) -> None:
    logs = [json.dumps({"time": "2026-11-18T09:00:00Z", "level": "INFO", "msg": f"starting {n}"}) for n in range(40)]
    events = [json.dumps(toolhive_event(n)) for n in range(5)]
    (tmp_path / "stdout.log").write_text("\n".join(logs + events) + "\n")
    ctx = load(tmp_path)
    assert ctx.sources[0][2:5] == ("toolhive", 5, 0) and ctx.sources[0][7] == 40
    assert ctx.quarantined == []


def test_one_bad_toolhive_time_quarantines_that_event_only(tmp_path: Path) -> None:
    events = [toolhive_event(n) for n in range(10)]
    events[4]["logged_at"] = MARKER
    (tmp_path / "github.audit.jsonl").write_text("\n".join(json.dumps(e) for e in events) + "\n")
    ctx = load(tmp_path)
    assert rows(ctx) == 9
    assert ctx.quarantined == [("github.audit.jsonl", "audit", 5, "`logged_at` is not an RFC 3339 time")]


def otlp_request(n: int, start: object) -> dict:
    span = {"traceId": f"{n:032x}", "spanId": f"{n:016x}", "name": "tools/call get_order", "kind": 2,
            "startTimeUnixNano": start, "attributes": [
                {"key": "mcp.method.name", "value": {"stringValue": "tools/call"}},
                {"key": "gen_ai.tool.name", "value": {"stringValue": "get_order"}},
                {"key": "jsonrpc.request.id", "value": {"stringValue": str(n)}}], "status": {"code": 0}}
    service = {"key": "service.name", "value": {"stringValue": "orders"}}
    return {"resourceSpans": [{"resource": {"attributes": [service]},
                               "scopeSpans": [{"scope": {"name": "mcp"}, "spans": [span]}]}]}


def test_one_otlp_span_with_a_bad_start_time_is_quarantined_alone(tmp_path: Path) -> None:
    requests = [otlp_request(n, str(1794992400_000_000_000 + n)) for n in range(20)]
    requests[7]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["startTimeUnixNano"] = "abc" + MARKER
    (tmp_path / "orders.traces.jsonl").write_text("\n".join(json.dumps(r) for r in requests) + "\n")
    ctx = load(tmp_path)
    assert rows(ctx) == 19
    assert ctx.quarantined == [("orders.traces.jsonl", "audit", 8,
                                "`startTimeUnixNano` is not an integer number of nanoseconds")]


def test_bad_otlp_values_in_one_export_request_spare_its_other_spans(tmp_path: Path) -> None:
    document = otlp_request(1, "1794992400000000000")
    spans = document["resourceSpans"][0]["scopeSpans"][0]["spans"]
    good = spans[0]
    spans += [{**good, "spanId": "2" * 16, "traceId": "2" * 32, "startTimeUnixNano": 1e30},
              {**good, "spanId": "3" * 16, "traceId": "3" * 32, "attributes": MARKER},
              MARKER,
              {**good, "spanId": "4" * 16, "traceId": "4" * 32}]
    (tmp_path / "batch.traces.jsonl").write_text(json.dumps(document) + "\n")
    ctx = load(tmp_path)
    assert rows(ctx) == 2  # the first and the last span
    assert sorted(reason for *_, reason in ctx.quarantined) == [
        "`attributes` is not an array", "`span` is not an object",
        "`startTimeUnixNano` is not an integer number of nanoseconds"]
    assert {line for _, _, line, _ in ctx.quarantined} == {1}


def test_an_otlp_file_whose_first_line_is_cut_is_still_recognised(tmp_path: Path) -> None:
    lines = [json.dumps(otlp_request(n, str(1794992400_000_000_000 + n))) for n in range(5)]
    lines[0] = lines[0][40:]
    (tmp_path / "orders.traces.jsonl").write_text("\n".join(lines) + "\n")
    ctx = load(tmp_path)
    assert ctx.sources[0][2:5] == ("otlp", 4, 1)


def test_one_cloudtrail_record_with_a_bad_time_is_quarantined_alone(tmp_path: Path) -> None:
    source = REALWORLD / "cloudtrail" / "111122223333_CloudTrail_eu-west-1_20261118T0905Z_a1b2c3d4e5f60718.json"
    document = json.loads(source.read_text())
    document["Records"][1]["eventTime"] = MARKER
    document["Records"][2]["resources"] = MARKER  # not an array: read as no resources
    (tmp_path / "trail.json").write_text(json.dumps(document))
    ctx = load(tmp_path)
    assert rows(ctx, "target_events") == len(document["Records"]) - 1
    assert ctx.quarantined == [("trail.json", "audit", None, "record 2: `eventTime` is not an ISO 8601 time")]

