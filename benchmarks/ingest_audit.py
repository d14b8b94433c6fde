"""Audit ingestion against DuckDB's own read_json of the same files, format by format: rows/s and peak memory.

    python benchmarks/ingest_audit.py --events 1000000            # generates the estate first (as `generate` does)
    python benchmarks/ingest_audit.py --estate /path/to/estate     # or measure an existing one

For each audit format the product loads, the product's loader (`load_family` over that format's folder) and a plain
`read_json` of exactly the files the product claimed for it (JSON lines as read; CloudTrail documents with their
`Records` unnested) each run in a fresh subprocess, so that peak RSS (ru_maxrss) belongs to it alone, with the same
DuckDB settings: `--memory-limit`, `--threads`, a temp directory to spill to, preserve_insertion_order = false.
Rows are what each side stores: tool calls / target events for the product, records (lines, or CloudTrail
records) for read_json. Not a test: it prints a comparison and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SETTINGS = """
import duckdb, json, resource, sys, time
from pathlib import Path
estate, db, spill, memory_limit, threads = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
con = duckdb.connect(db, config={"memory_limit": memory_limit, "threads": threads, "temp_directory": spill,
                                 "preserve_insertion_order": "false"})
def report(**figures):
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({**figures, "peak_mb": peak_mb}))
"""

# argv[6]: the folder under estate/audit; prints rows and seconds per format, and the files of each format
OURS = SETTINGS + """
from mcp_clearance.pipelines import audit
from mcp_clearance.pipelines.base import LoadContext, load_family
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import create_schema
create_schema(con)
ctx = LoadContext(con=con, estate_root=estate, scanner=SecretScanner(b"k" * 32))
start = time.perf_counter()
load_family(ctx, "audit", audit, estate / "audit" / sys.argv[6])
seconds = time.perf_counter() - start
files = {}
for source, _, fmt, *_ in ctx.sources:
    files.setdefault(fmt or "unrecognised", []).append(source)
rows = dict(con.execute("SELECT source_format, count(*) FROM tool_calls GROUP BY ALL "
                        "UNION ALL SELECT 'cloudtrail', count(*) FROM target_events").fetchall())
report(seconds=seconds, rows={fmt: rows.get(fmt, 0) for fmt in files}, files=files, quarantined=len(ctx.quarantined))
"""

# argv[6]: the format, argv[7]: its files as a JSON list (estate-relative)
PLAIN = SETTINGS + """
files = [str(estate / f) for f in json.loads(sys.argv[7])]
start = time.perf_counter()
if sys.argv[6] == "cloudtrail":  # gzipped documents whose records are the elements of Records
    con.execute("CREATE TABLE events AS SELECT unnest(Records) AS record FROM read_json(?, format = 'auto', "
                "union_by_name = true, ignore_errors = true, maximum_object_size = 67108864)", [files])
else:
    con.execute("CREATE TABLE events AS SELECT * FROM read_json(?, format = 'newline_delimited', union_by_name = true, "
                "ignore_errors = true)", [files])
report(seconds=time.perf_counter() - start, rows=con.execute("SELECT count(*) FROM events").fetchone()[0])
"""

AUDIT_FORMATS = ("toolhive", "otlp", "jsonrpc", "cloudtrail")


def measure(script: str, estate: Path, work: Path, name: str, settings: list[str], *extra: str) -> dict:
    db = work / f"{name}.duckdb"
    db.unlink(missing_ok=True)
    spill = work / f"{name}.spill"
    proc = subprocess.run([sys.executable, "-c", script, str(estate), str(db), str(spill), *settings, *extra],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        errors = [line for line in proc.stderr.splitlines() if "Error" in line or "Exception" in line]
        return {"error": (errors or ["exit " + str(proc.returncode)])[-1][:160]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estate", type=Path, help="an existing estate folder")
    parser.add_argument("--events", type=int, default=1_000_000, help="events to generate when --estate is absent")
    parser.add_argument("--systems", type=int, default=36)
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB memory_limit of both sides (the run's default)")
    parser.add_argument("--threads", default=str(len(os.sched_getaffinity(0))), help="DuckDB threads of both sides")
    args = parser.parse_args()
    settings = [args.memory_limit, args.threads]
    with tempfile.TemporaryDirectory(prefix="mcp-clearance-bench-") as tmp:
        work = Path(tmp)
        estate = args.estate
        if estate is None:
            from mcp_clearance.sample_estate import generate

            estate = work / "estate"
            start = time.perf_counter()
            generate(estate, systems=args.systems, events=args.events)
            print(f"generated {args.events:,} events in {time.perf_counter() - start:.1f} s")
        print(f"DuckDB memory_limit {args.memory_limit}, threads {args.threads}, spilling to a temp directory, "
              "preserve_insertion_order false")
        header = (f"{'format':<11}{'files':>6}{'MB':>7} | {'product rows':>12}{'s':>7}{'rows/s':>9}{'peak MB':>8} | "
                  f"{'read_json rows':>14}{'s':>7}{'rows/s':>9}{'peak MB':>8} | {'time ratio':>10}")
        lines = []
        for folder in sorted(p.name for p in (estate / "audit").iterdir() if p.is_dir()):
            ours = measure(OURS, estate, work, f"ours-{folder}", settings, folder)
            if "error" in ours:
                lines.append(f"{folder:<11} product failed: {ours['error']}")
                continue
            for fmt, files in sorted(ours["files"].items()):
                if fmt not in AUDIT_FORMATS:
                    continue
                plain = measure(PLAIN, estate, work, f"plain-{fmt}", settings, fmt, json.dumps(files))
                size = sum((estate / f).stat().st_size for f in files) / 1e6
                rows = ours["rows"].get(fmt, 0)
                line = (f"{fmt:<11}{len(files):>6}{size:>7.1f} | {rows:>12,}{ours['seconds']:>7.1f}"
                        f"{rows / ours['seconds']:>9,.0f}{ours['peak_mb']:>8.0f} | ")
                if "error" in plain:
                    line += f"read_json failed: {plain['error']}"
                else:
                    line += (f"{plain['rows']:>14,}{plain['seconds']:>7.1f}{plain['rows'] / plain['seconds']:>9,.0f}"
                             f"{plain['peak_mb']:>8.0f} | {ours['seconds'] / plain['seconds']:>9.2f}x")
                if ours["quarantined"]:
                    line += f"  ({ours['quarantined']} quarantined)"
                lines.append(line)
    print(header)
    print("\n".join(lines))
    print("time ratio: product seconds / read_json seconds on the same files (1.00x = the reader's own speed)")


if __name__ == "__main__":
    main()
