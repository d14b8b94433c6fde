"""The intermediate results computed once per run are the rows their view definitions give.

`evaluate` replaces the views system_connectors, tool_calls_resolved, tool_call_targets and
tool_calls_in_window by selects from tables built once per run; tool_call_targets joins on a 5-minute
time bucket instead of comparing every call with every event of the same user and agent, and
system_connectors meets globs by folder before testing them. None of this may change a single row:
these tests compare each against the plain definition, on the sample estate and on edge cases
(calls exactly at the five-minute limits and across bucket boundaries, globs of every shape).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from mcp_clearance.evaluate import MATERIALISED_VIEWS, create_views, evaluate, evaluation_schema, queries_dir
from mcp_clearance.pipelines.inventory import _globs_matching
from mcp_clearance.run import ingest
from mcp_clearance.sample_estate import DEFAULT_AS_OF
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import create_schema

SAMPLE = Path(__file__).parent.parent / "sample_data"

# The linkage rule of tool_call_targets written out without buckets: a call links to the events whose
# role session name is its correlation id, or whose source identity is its delegated user and whose
# principal is the same agent, within five minutes either side (inclusive); the lowest event id wins.
NAIVE_TARGETS = """
WITH calls AS (
    SELECT t.event_id, t.occurred_at, t.correlation_id, t.delegated_user, i.agent_id
    FROM tool_calls AS t LEFT JOIN agent_identities AS i ON i.identity = t.agent_identity
),
events AS (
    SELECT e.event_id, e.occurred_at, e.role_session_name,
           coalesce(e.on_behalf_of, e.source_identity) AS source_identity, i.agent_id,
           e.event_source || ':' || e.event_name AS action
    FROM target_events AS e LEFT JOIN agent_identities AS i ON i.identity = e.principal_arn
),
linked AS (
    SELECT c.event_id, e.event_id AS target_event_id, e.action
    FROM calls AS c JOIN events AS e ON e.role_session_name = c.correlation_id
    UNION ALL
    SELECT c.event_id, e.event_id, e.action
    FROM calls AS c JOIN events AS e
      ON e.source_identity = c.delegated_user AND e.agent_id = c.agent_id
     AND abs(epoch_us(e.occurred_at) - epoch_us(c.occurred_at)) <= 300000000
)
SELECT event_id, min(target_event_id) AS target_event_id, arg_min(action, target_event_id) AS target_action
FROM linked GROUP BY event_id
"""


def rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple]:
    return sorted(con.execute(query).fetchall(), key=repr)


def definition(view: str) -> str:
    """The SELECT of queries/<view>.sql, to run as a plain query next to the materialised table."""
    sql = (queries_dir() / f"{view}.sql").read_text()
    match = re.search(rf"CREATE OR REPLACE VIEW {view} AS(.*)", sql, re.DOTALL)
    assert match, f"{view}.sql does not define the view {view}"
    return match.group(1).strip().rstrip(";")


@pytest.fixture(scope="module")
def evaluated() -> duckdb.DuckDBPyConnection:
    """The sample estate ingested and evaluated once, in memory."""
    con = duckdb.connect()
    create_schema(con)
    ingest(con, SAMPLE, SecretScanner(b"sample-test-key!" * 2))
    evaluate(con, run_id="test", as_of=DEFAULT_AS_OF, published_at=datetime(2026, 11, 20))
    return con


@pytest.mark.parametrize("view", MATERIALISED_VIEWS)
def test_each_materialised_table_holds_exactly_its_view_definition(evaluated: duckdb.DuckDBPyConnection,
                                                                    view: str) -> None:
    table = rows(evaluated, f"SELECT * FROM {view}_materialised")
    assert table, f"{view} is empty on the sample estate, so the comparison would prove nothing"
    assert table == rows(evaluated, definition(view))
    assert rows(evaluated, f"SELECT * FROM {view}") == table  # the view readers use serves the table


def test_views_read_the_tables_instead_of_recomputing(evaluated: duckdb.DuckDBPyConnection) -> None:
    for view in MATERIALISED_VIEWS:
        (sql,) = evaluated.execute("SELECT sql FROM duckdb_views() WHERE view_name = ?", [view]).fetchone()
        assert f"{view}_materialised" in sql and "JOIN" not in sql.upper(), sql


def test_bucketed_links_equal_the_plain_five_minute_rule_on_the_sample(evaluated: duckdb.DuckDBPyConnection) -> None:
    assert rows(evaluated, "SELECT * FROM tool_call_targets") == rows(evaluated, NAIVE_TARGETS)


def test_bucketed_links_by_user_and_time_alone_equal_the_plain_rule_on_the_sample(
        evaluated: duckdb.DuckDBPyConnection) -> None:
    """Every sample call also links by correlation id, which hides the time rule: drop the ids to test it alone."""
    con = duckdb.connect()
    create_schema(con)
    con.execute(evaluation_schema())
    for table, replace in [("tool_calls", " REPLACE (NULL AS correlation_id)"), ("target_events", ""),
                           ("agent_identities", "")]:
        frame = evaluated.execute(f"SELECT * FROM {table}").df()  # noqa: F841 (read by DuckDB below)
        con.execute(f"INSERT INTO {table} SELECT *{replace} FROM frame")
    create_views(con)
    naive = rows(con, NAIVE_TARGETS)
    assert len(naive) > 1000, "the sample should link many calls by user and time"
    assert rows(con, "SELECT * FROM tool_call_targets") == naive


T0 = datetime(2026, 11, 19, 12, 0, 0)  # a bucket boundary (5-minute buckets start on the minute)
US = timedelta(microseconds=1)
FIVE = timedelta(minutes=5)

# (call id, call time, delegated user, agent identity) and (event id, event time, source identity, principal)
EDGE_CALLS = [
    ("c-exact-after", T0, "ana", "arn:agent-a"),            # events exactly 5 min later and 5 min + 1 us later
    ("c-exact-before", T0 + timedelta(hours=1), "ana", "arn:agent-a"),  # event exactly 5 min earlier
    ("c-late-in-bucket", T0 + timedelta(hours=2, minutes=4, seconds=59), "bo", "arn:agent-a"),  # next bucket
    ("c-early-in-bucket", T0 + timedelta(hours=3), "bo", "arn:agent-a"),  # event in the previous bucket's start
    ("c-other-agent", T0 + timedelta(hours=4), "cy", "arn:agent-a"),   # same user, other agent's event
    ("c-no-time", None, "ana", "arn:agent-a"),                 # cannot be placed in time
    ("c-before-1970", datetime(1969, 12, 31, 23, 58), "dee", "arn:agent-a"),  # buckets with negative epochs
    ("c-mid-bucket", T0 + timedelta(hours=5, minutes=2, seconds=30), "eve", "arn:agent-a"),  # both sides inside
]
EDGE_EVENTS = [
    ("e-01", T0 + FIVE, "ana", "arn:agent-a"),
    ("e-02", T0 + FIVE + US, "ana", "arn:agent-a"),
    ("e-03", T0 + timedelta(hours=1) - FIVE, "ana", "arn:agent-a"),
    ("e-04", T0 + timedelta(hours=1) - FIVE - US, "ana", "arn:agent-a"),
    ("e-05", T0 + timedelta(hours=2, minutes=9, seconds=59), "bo", "arn:agent-a"),  # 5:00 after, next bucket+1
    ("e-06", T0 + timedelta(hours=2, minutes=10), "bo", "arn:agent-a"),  # 5:01 after
    ("e-07", T0 + timedelta(hours=3) - FIVE, "bo", "arn:agent-b"),  # right time, other agent
    ("e-08", T0 + timedelta(hours=3) - FIVE + US, "bo", "arn:agent-a"),
    ("e-09", T0 + timedelta(hours=4), "cy", "arn:agent-b"),
    ("e-10", datetime(1969, 12, 31, 23, 53), "dee", "arn:agent-a"),
    ("e-11", datetime(1969, 12, 31, 23, 52, 59), "dee", "arn:agent-a"),
    ("e-12", T0 + timedelta(hours=5, minutes=7, seconds=30), "eve", "arn:agent-a"),
    ("e-13", T0 + timedelta(hours=4, minutes=57, seconds=30), "eve", "arn:agent-a"),
    ("e-14", None, "ana", "arn:agent-a"),
]
# Written from the rule, not from a run: the earliest-id event within [call - 5 min, call + 5 min].
EDGE_EXPECTED = {
    "c-exact-after": "e-01",
    "c-exact-before": "e-03",
    "c-late-in-bucket": "e-05",
    "c-early-in-bucket": "e-08",
    "c-before-1970": "e-10",
    "c-mid-bucket": "e-12",
}


@pytest.fixture
def edge_con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_schema(con)
    con.execute(evaluation_schema())
    con.executemany("INSERT INTO agent_identities VALUES (?, ?, 'inventory.yaml')",
                    [["agent-a", "arn:agent-a"], ["agent-b", "arn:agent-b"]])
    con.executemany("INSERT INTO tool_calls (event_id, occurred_at, source_format, delegated_user, agent_identity, "
                    "source_file) VALUES (?, ?, 'toolhive', ?, ?, 'audit/calls.jsonl')", EDGE_CALLS)
    con.executemany("INSERT INTO target_events (event_id, occurred_at, event_source, event_name, source_identity, "
                    "principal_arn, source_file) VALUES (?, ?, 's3.amazonaws.com', 'GetObject', ?, ?, "
                    "'audit/cloudtrail.json')", EDGE_EVENTS)
    create_views(con)
    return con


def test_calls_at_the_five_minute_limits_and_across_buckets_link_by_the_rule(
        edge_con: duckdb.DuckDBPyConnection) -> None:
    linked = dict(edge_con.execute("SELECT event_id, target_event_id FROM tool_call_targets").fetchall())
    assert linked == EDGE_EXPECTED
    assert rows(edge_con, "SELECT * FROM tool_call_targets") == rows(edge_con, NAIVE_TARGETS)


def test_materialising_the_edge_cases_keeps_the_same_links(edge_con: duckdb.DuckDBPyConnection) -> None:
    before = rows(edge_con, "SELECT * FROM tool_call_targets")
    from mcp_clearance.evaluate import materialise_views

    materialise_views(edge_con)
    assert rows(edge_con, "SELECT * FROM tool_call_targets_materialised") == before
    assert rows(edge_con, "SELECT * FROM tool_call_targets") == before


CONNECTOR_FILES = ["connectors/crm/claude_desktop_config.json", "connectors/crm/.cursor/mcp.json",
                   "connectors/crm-eu/.cursor/mcp.json", "connectors/abc/x.json", "connectors/a[b]c/x.json",
                   "top.json", "connectors/hr/deep/er/settings.json", "other/crm/x.json"]
CONNECTOR_GLOBS = ["connectors/crm/*", "connectors/crm*/.cursor/mcp.json", "connectors/a?c/*", "connectors/[ab]bc/*",
                   "*", "*.json", "connectors/hr/deep/er/settings.json", "connectors/hr/*/settings.json",
                   "*/crm/*", "connectors/none/*", "connectors/a\\[b]c/*"]


def test_connector_globs_match_the_files_a_plain_glob_join_matches() -> None:
    con = duckdb.connect()
    create_schema(con)
    con.execute(evaluation_schema())
    con.executemany("INSERT INTO connector_servers (connector_id, source_file, client, config_scope, server_name, "
                    "transport, oauth) VALUES (?, ?, 'cursor', 'user', 'github', 'stdio', false)",
                    [[f"c{n}", f] for n, f in enumerate(CONNECTOR_FILES)])
    con.executemany("INSERT INTO connector_assignments VALUES (?, NULL, ?, 'agent-a', 'inventory.yaml', 1)",
                    [[glob, f"system-{n}"] for n, glob in enumerate(CONNECTOR_GLOBS)])
    create_views(con)
    plain = rows(con, "SELECT DISTINCT a.system_id, c.source_file FROM connector_servers AS c "
                      "JOIN connector_assignments AS a ON c.source_file GLOB a.config_glob")
    assert len(plain) > len(CONNECTOR_FILES)  # several globs match several files each
    assert rows(con, "SELECT DISTINCT system_id, source_file FROM system_connectors") == plain


def test_inventory_glob_warnings_find_the_globs_a_plain_glob_test_finds() -> None:
    """The inventory's "matches no file" warning tests all globs in one query by folder: same answer as GLOB."""
    con = duckdb.connect()
    plain = {n for n, glob in enumerate(CONNECTOR_GLOBS)
             if con.execute("SELECT count(*) FROM (SELECT unnest(?::VARCHAR[]) AS f) WHERE f GLOB ?",
                            [CONNECTOR_FILES, glob]).fetchone()[0]}
    assert 0 < len(plain) < len(CONNECTOR_GLOBS)  # some globs match and some do not
    assert _globs_matching(con, CONNECTOR_GLOBS, CONNECTOR_FILES) == plain
    assert _globs_matching(con, CONNECTOR_GLOBS, []) == set()


WINDOW_COUNTS_FROM_CALLS = """
SELECT system_id, count(*), count(agent_identity), count(policy_decision), count(target_event_id),
       count(*) FILTER (WHERE delegated_user IS NOT NULL AND NOT coalesce(delegation_incomplete, false)),
       list(DISTINCT source_file ORDER BY source_file)
FROM tool_calls_in_window GROUP BY system_id
"""
WINDOW_COUNTS_FROM_DAYS = """
SELECT system_id, sum(calls), sum(with_agent_identity), sum(with_policy_decision), sum(with_target_event),
       sum(with_proven_user), list(DISTINCT source_file ORDER BY source_file)
FROM tool_call_daily_in_window GROUP BY system_id
"""


def test_daily_counts_in_the_review_window_add_up_to_the_calls_in_it(evaluated: duckdb.DuckDBPyConnection) -> None:
    """AU-02, AU-03, AU-04 and SC-08 read the daily counts: per system they must total what the raw calls give."""
    from_calls = rows(evaluated, WINDOW_COUNTS_FROM_CALLS)
    assert len(from_calls) > 10 and any(r[2] < r[1] for r in from_calls)  # systems with calls lacking an identity
    assert rows(evaluated, WINDOW_COUNTS_FROM_DAYS) == [tuple(int(v) if isinstance(v, int) else v for v in r)
                                                       for r in from_calls]


def test_a_finding_with_several_tickets_shows_the_one_due_first(evaluated: duckdb.DuckDBPyConnection) -> None:
    """Which of two tickets a finding shows must not depend on the order DuckDB happens to read them."""
    check_id, system_id, resource = evaluated.execute(
        "SELECT check_id, system_id, resource FROM findings WHERE status = 'FAIL' AND ticket IS NULL "
        "ORDER BY finding_id LIMIT 1").fetchone()
    evaluated.begin()
    try:
        evaluated.executemany(
            "INSERT INTO remediation_tickets VALUES (?, ?, ?, ?, ?, ?, 'remediation.yaml', 1)",
            [[check_id, system_id, resource, owner, ticket, due] for owner, ticket, due in
             [("zed", "TICKET-9", "2027-03-01"), ("amy", "TICKET-5", "2027-01-15"), ("bob", "TICKET-1", "2027-01-15")]])
        shown = evaluated.execute("SELECT ticket, ticket_owner, due::DATE::VARCHAR FROM findings "
                                  "WHERE check_id = ? AND system_id = ? AND resource = ?",
                                  [check_id, system_id, resource]).fetchall()
    finally:
        evaluated.rollback()
    assert shown == [("TICKET-1", "bob", "2027-01-15")]
