"""Where an evaluation's time goes: each materialised view and each check, timed, the slowest explained.

    python benchmarks/profile_evaluation.py --db ~/.cache/mcp-clearance/scale/e10000000-s500-seed7/estate.duckdb

Works on a copy of a published database (the original is never written). The copy's views are created again from
queries/ (so the materialised ones compute from the raw events), then each materialised view is computed into its
table in dependency order and each check's query is run, every statement timed with the run's DuckDB settings.
For the --explain slowest statements it prints DuckDB's EXPLAIN ANALYZE profile reduced to its costliest
operators (time, rows out, what the operator does). Not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from mcp_clearance.catalog import default_checks_dir
from mcp_clearance.evaluate import MATERIALISED_VIEWS, create_views, materialise_views, queries_dir
from mcp_clearance.run import duckdb_config, spill_folder


def operators(node: Any) -> list[dict[str, Any]]:
    """Every operator of a DuckDB (2.x) JSON profile, flattened: each has name, timing, intermediate_rows."""
    if isinstance(node, list):
        return [op for child in node for op in operators(child)]
    found = [node] if "timing" in node and "name" in node else []
    return found + operators(node.get("children", node.get("operator", [])))


def explain(con: duckdb.DuckDBPyConnection, sql: str, top: int) -> list[str]:
    """The `top` costliest operators of one statement's EXPLAIN ANALYZE, one line each."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "profile.json"
        con.execute("PRAGMA enable_profiling = 'json'")
        con.execute(f"PRAGMA profiling_output = '{output}'")
        try:
            con.execute(sql).fetchall()
        finally:
            con.execute("PRAGMA disable_profiling")
        profile = json.loads(output.read_text())
    query, system = profile.get("query", {}), profile.get("system", {})
    lines = [f"  {float(query.get('total_time', 0.0)):.2f} s wall, {float(query.get('cpu_time', 0.0)):.2f} s in "
             f"operators (summed over threads); peak buffer memory "
             f"{int(system.get('peak_buffer_memory', 0)) / 1e6:.0f} MB, spilled "
             f"{int(system.get('total_bytes_spilled', 0)) / 1e6:.0f} MB"]
    shown_info = ("Join Type", "Conditions", "Aggregates", "Groups", "Table", "Function", "Filters")
    for op in sorted(operators(profile.get("operator", [])), key=lambda o: -float(o["timing"]))[:top]:
        info = op.get("extra_info", {})
        detail = "; ".join(f"{k}: {' '.join(str(v).split())[:90]}" for k, v in info.items()
                           if k in shown_info) if isinstance(info, dict) else ""
        lines.append(f"    {float(op['timing']):7.2f} s  {int(op.get('intermediate_rows', 0)):>13,} rows  "
                     f"{op['name'].strip()}  {detail}")
    return lines


def seconds_of(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a published estate database")
    parser.add_argument("--explain", type=int, default=4, help="explain this many of the slowest statements")
    parser.add_argument("--operators", type=int, default=6, help="operators shown per explained statement")
    args = parser.parse_args()
    if not args.db.exists():
        print(f"{args.db} does not exist", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(dir=args.db.parent) as folder:
        copy = Path(folder) / "profiled.duckdb"
        shutil.copyfile(args.db, copy)
        con = duckdb.connect(str(copy), config=duckdb_config(spill_folder(copy)))
        rows = con.execute("SELECT (SELECT count(*) FROM tool_calls), (SELECT count(*) FROM target_events), "
                           "(SELECT count(*) FROM systems)").fetchone() or (0, 0, 0)
        print(f"{args.db}: {rows[0]:,} tool calls, {rows[1]:,} target events, {rows[2]:,} systems; "
              f"threads {con.execute('SELECT current_setting(?)', ['threads']).fetchone()[0]}, "
              f"memory_limit {con.execute('SELECT current_setting(?)', ['memory_limit']).fetchone()[0]}")
        create_views(con)  # the materialised views compute from the raw events again
        # (seconds, label, the materialised view or None for a check, the statement to explain)
        timed: list[tuple[float, str, str | None, str]] = []
        for name in MATERIALISED_VIEWS:  # in dependency order, each computed as a run computes it
            seconds = seconds_of(lambda name=name: materialise_views(con, (name,)))
            timed.append((seconds, f"materialise {name}", name, f"SELECT count(*) FROM {name}"))
        for sql_file in sorted(default_checks_dir().glob("*.sql")):
            sql = f"SELECT count(*) FROM ({sql_file.read_text().strip().rstrip(';')})"
            timed.append((seconds_of(lambda sql=sql: con.execute(sql).fetchall()), f"check {sql_file.stem}", None,
                          sql))
        timed.sort(key=lambda entry: -entry[0])
        total = sum(entry[0] for entry in timed)
        print(f"\n{'statement':<44}{'seconds':>9}{'share':>8}")
        for seconds, label, _, _ in timed:
            print(f"{label:<44}{seconds:>9.2f}{seconds / total:>8.0%}")
        print(f"{'all':<44}{total:>9.2f}")
        for seconds, label, view, sql in timed[:args.explain]:
            print(f"\nEXPLAIN ANALYZE {label} ({seconds:.2f} s):")
            if view is not None:  # the view alone computed again, over the tables before it
                con.execute((queries_dir() / f"{view}.sql").read_text())
            print("\n".join(explain(con, sql, args.operators)))
            if view is not None:
                con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {view}_materialised")
        con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
