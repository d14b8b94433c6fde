"""Audit ingestion against DuckDB's own read_json on the same files: time and peak memory.

    python benchmarks/ingest_audit.py --events 1000000            # generates the estate first
    python benchmarks/ingest_audit.py --estate /path/to/estate     # or measure an existing one

Each measurement runs in a fresh subprocess so peak RSS (ru_maxrss) belongs to it alone.
Not a test: it prints a comparison and asserts nothing about time. benchmarks/scale.py compares format
by format and adds full and re-run times.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OURS = """
import json, resource, sys, time
from pathlib import Path
import duckdb
from mcp_clearance.pipelines import audit
from mcp_clearance.pipelines.base import LoadContext, load_family
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import create_schema
estate = Path(sys.argv[1])
con = duckdb.connect(sys.argv[2])
create_schema(con)
marks = []  # when each file starts, to time each format on its own
ctx = LoadContext(con=con, estate_root=estate, scanner=SecretScanner(b"k" * 32),
                  on_file=lambda family, path: marks.append(time.perf_counter()))
start = time.perf_counter()
load_family(ctx, "audit", audit, estate / "audit")
seconds = time.perf_counter() - start
marks.append(start + seconds)
by_format = {}
for source, t0, t1 in zip(ctx.sources, marks, marks[1:]):
    entry = by_format.setdefault(source[2] or "unrecognised", {"seconds": 0.0, "files": 0})
    entry["seconds"] += t1 - t0
    entry["files"] += 1
for fmt, n in con.execute("SELECT source_format, count(*) FROM tool_calls GROUP BY ALL "
                          "UNION ALL SELECT 'cloudtrail', count(*) FROM target_events").fetchall():
    by_format.setdefault(fmt, {"seconds": 0.0, "files": 0})["rows"] = n
rows = con.execute("SELECT (SELECT count(*) FROM tool_calls) + (SELECT count(*) FROM target_events)").fetchone()[0]
print(json.dumps({"seconds": seconds, "rows": rows, "by_format": by_format,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PLAIN = """
import json, resource, sys, time
import duckdb
con = duckdb.connect(sys.argv[2])
start = time.perf_counter()
files = sys.argv[1] + "/audit/**/*.jsonl*"
con.execute(f"CREATE TABLE events AS SELECT * FROM read_json('{files}', format = 'newline_delimited', "
            "union_by_name = true, ignore_errors = true)")
# CloudTrail files are gzipped documents whose events are the elements of Records: count the same rows
trails = sys.argv[1] + "/audit/**/*.json.gz"
con.execute(f"CREATE TABLE trail_events AS SELECT unnest(Records) AS record FROM read_json('{trails}', "
            "format = 'auto', union_by_name = true, ignore_errors = true, maximum_object_size = 1000000000)")
rows = con.execute("SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM trail_events)").fetchone()[0]
print(json.dumps({"seconds": time.perf_counter() - start, "rows": rows,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(script: str, estate: Path, work: Path, name: str) -> dict[str, float]:
    db = work / f"{name}.duckdb"
    db.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-c", script, str(estate), str(db)], capture_output=True, text=True,
                          check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estate", type=Path, help="an existing estate folder")
    parser.add_argument("--events", type=int, default=1_000_000, help="events to generate when --estate is absent")
    parser.add_argument("--systems", type=int, default=36)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mcp-clearance-bench-") as tmp:
        work = Path(tmp)
        estate = args.estate
        if estate is None:
            from mcp_clearance.sample_estate import generate

            estate = work / "estate"
            start = time.perf_counter()
            generate(estate, systems=args.systems, events=args.events)
            print(f"generated {args.events:,} events in {time.perf_counter() - start:.1f} s")
        size = sum(p.stat().st_size for p in (estate / "audit").rglob("*") if p.is_file())
        print(f"audit folder: {size / 1e6:.1f} MB compressed")
        ours = measure(OURS, estate, work, "ours")
        plain = measure(PLAIN, estate, work, "plain")
    print(f"{'reader':<46}{'rows':>12}{'seconds':>10}{'peak MB':>10}")
    print(f"{'mcp-clearance audit pipeline (validated, reshaped)':<46}{ours['rows']:>12,}{ours['seconds']:>10.1f}"
          f"{ours['peak_mb']:>10.0f}")
    print(f"{'duckdb read_json (as read, no reshaping)':<46}{plain['rows']:>12,}{plain['seconds']:>10.1f}"
          f"{plain['peak_mb']:>10.0f}")
    print(f"ratio ours / read_json: time {ours['seconds'] / plain['seconds']:.2f}x, "
          f"memory {ours['peak_mb'] / plain['peak_mb']:.2f}x")
    # OTLP spans are attributed from their ancestors (a recursive CTE): its own line shows what that costs
    print(f"{'format':<14}{'files':>8}{'rows':>12}{'seconds':>10}{'rows/s':>12}")
    for fmt, entry in sorted(ours["by_format"].items()):
        rate = entry.get("rows", 0) / entry["seconds"] if entry["seconds"] else 0
        print(f"{fmt:<14}{entry['files']:>8}{entry.get('rows', 0):>12,}{entry['seconds']:>10.2f}{rate:>12,.0f}")


if __name__ == "__main__":
    main()
