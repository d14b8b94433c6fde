"""LoadContext.insert_rows: many Python-built rows in one statement, typed by the table, in order."""

from __future__ import annotations

from datetime import datetime

from mcp_clearance.pipelines.base import LoadContext


def test_rows_keep_their_order_values_and_the_table_types(ctx: LoadContext) -> None:
    rows = [{"source_line": n, "system_id": f"sys-{n:05}", "server_name": "github", "approved_tools": None,
             "source_file": "inventory.yaml"} for n in range(5000)]
    rows[7]["approved_tools"] = ["list_issues", "get_issue"]
    rows[8]["approved_tools"] = []
    assert ctx.insert_rows("approved_servers", rows) == 5000
    stored = ctx.con.execute("SELECT system_id, server_name, approved_tools, source_file, source_line "
                             "FROM approved_servers").fetchall()
    assert stored == [(r["system_id"], "github", r["approved_tools"], "inventory.yaml", r["source_line"])
                      for r in rows]


def test_columns_of_only_none_and_strings_for_typed_columns_are_cast(ctx: LoadContext) -> None:
    common = {"source_format": "generic_csv", "kind": "pat", "principal": "agent-a"}
    ctx.insert_rows("credentials", [
        {**common, "credential_id": "a", "expires_at": None, "lifetime_s": None, "last_used_at": None,
         "revoked": None, "active": True, "scopes": None, "source_file": "x.csv", "source_line": None},
        {**common, "credential_id": "b", "expires_at": "2026-12-01 10:00:00", "lifetime_s": "3600",
         "last_used_at": datetime(2026, 11, 1), "revoked": False, "active": None, "scopes": ["read"],
         "source_file": "x.csv", "source_line": 2},
    ])
    assert ctx.con.execute("SELECT typeof(expires_at), typeof(lifetime_s), typeof(scopes) FROM credentials "
                           "LIMIT 1").fetchone() == ("TIMESTAMP", "BIGINT", "VARCHAR[]")
    assert ctx.con.execute("SELECT credential_id, expires_at, lifetime_s, last_used_at, revoked, active, scopes, "
                           "source_line FROM credentials ORDER BY credential_id").fetchall() == [
        ("a", None, None, None, None, True, None, None),
        ("b", datetime(2026, 12, 1, 10), 3600, datetime(2026, 11, 1), False, None, ["read"], 2),
    ]


def test_no_rows_insert_nothing(ctx: LoadContext) -> None:
    assert ctx.insert_rows("systems", []) == 0
    assert ctx.con.execute("SELECT count(*) FROM systems").fetchone() == (0,)
