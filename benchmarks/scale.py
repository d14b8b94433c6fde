"""Scale benchmark: the product against plain DuckDB on generated estates, side by side.

    python benchmarks/scale.py                                   # 1M, 5M, 10M events x 500, 5,000 systems
    python benchmarks/scale.py --events 200000 --systems 500     # a quick check
    python benchmarks/scale.py --estate /path/to/estate          # an existing estate folder

Per estate it prints, format by format over the same files: the product's audit ingest (validated,
reshaped into tool_calls / target_events) against DuckDB's own `read_json` of those files into a table
(CloudTrail documents with their Records unnested, so rows count the same records), rows/s and peak
RSS of each; then a full `mcp-clearance run` (evaluation and record_run timed inside it) and an
unchanged re-run of the same estate into the same database. Every measurement runs in a fresh child
process that reports its own peak RSS (ru_maxrss), so one measurement's memory never hides another's.
Both sides use DuckDB's defaults for threads and memory_limit, printed with the results.
Dashboard page times: `python benchmarks/dashboard_render.py --db <work>/estate.duckdb` (with --keep).
Not a test: it prints figures and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

PRODUCT_AUDIT = """
import json, resource, sys, time
from pathlib import Path
import duckdb
from mcp_clearance.pipelines import audit
from mcp_clearance.pipelines.base import LoadContext, load_family
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import create_schema
estate = Path(sys.argv[1]).resolve()
con = duckdb.connect(sys.argv[2])
create_schema(con)
marks = []  # (start time, path): a file's time runs until the next file starts
ctx = LoadContext(con=con, estate_root=estate, scanner=SecretScanner(b"k" * 32),
                  on_file=lambda family, path: marks.append((time.perf_counter(), path)))
start = time.perf_counter()
load_family(ctx, "audit", audit, estate / "audit")
end = time.perf_counter()
seconds = {ctx.relative(path): (marks[i + 1][0] if i + 1 < len(marks) else end) - at
           for i, (at, path) in enumerate(marks)}
files = [{"file": source, "format": fmt, "rows": rows, "bytes": size, "seconds": seconds.get(source, 0.0)}
         for source, _, fmt, rows, _, size, _ in ctx.sources]
settings = con.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchone()
print(json.dumps({"seconds": end - start, "files": files, "settings": list(settings),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PLAIN_READ_JSON = """
import json, resource, sys, time
import duckdb
files, records = json.loads(sys.argv[1]), sys.argv[3] == "records"
con = duckdb.connect(sys.argv[2])
reader = f"read_json({files!r}, format = 'auto', union_by_name = true, ignore_errors = true, " \\
         "maximum_object_size = 1000000000)"
start = time.perf_counter()
if records:  # a CloudTrail file is one document; its events are the elements of Records
    con.execute(f"CREATE TABLE events AS SELECT unnest(Records) AS record FROM {reader}")
else:
    con.execute(f"CREATE TABLE events AS SELECT * FROM {reader}")
rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
settings = con.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchone()
print(json.dumps({"seconds": time.perf_counter() - start, "rows": rows, "settings": list(settings),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

FULL_RUN = """
import json, resource, sys, time
from datetime import date
from pathlib import Path
import mcp_clearance.run as product
phases = {}
def timed(name, function):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - start
    return wrapper
product.ingest = timed("ingest", product.ingest)
product.evaluate = timed("evaluate", product.evaluate)
product.record_run = timed("record_run", product.record_run)
start = time.perf_counter()
result = product.run(Path(sys.argv[1]), Path(sys.argv[2]), as_of=date.fromisoformat(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - start, "phases": phases, "quarantined": result.quarantined,
                  "db_mb": Path(sys.argv[2]).stat().st_size / 1e6,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(script: str, *args: str) -> dict:
    """Run one measurement in a fresh interpreter; its last stdout line is the JSON result."""
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": last[:200]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def rate(rows: float, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"


def compare_ingest(estate: Path, work: Path) -> None:
    ours = child(PRODUCT_AUDIT, str(estate), str(work / "audit-product.duckdb"))
    if "error" in ours:
        print(f"product audit ingest failed: {ours['error']}")
        return
    by_format: dict[str, list[dict]] = defaultdict(list)
    for entry in ours["files"]:
        by_format[entry["format"] or "unrecognised"].append(entry)
    print(f"DuckDB settings: product threads={ours['settings'][0]} memory_limit={ours['settings'][1]}")
    header = (f"{'format':<14}{'files':>6}{'MB':>8} | {'product rows':>13}{'s':>8}{'rows/s':>10} | "
              f"{'read_json rows':>15}{'s':>8}{'rows/s':>10}{'peak MB':>9} | {'speed':>6}")
    print(header)
    print("-" * len(header))
    totals = {"rows": 0, "seconds": 0.0, "plain_rows": 0, "plain_seconds": 0.0, "plain_peak": 0.0}
    for fmt, entries in sorted(by_format.items()):
        rows = sum(e["rows"] for e in entries)
        seconds = sum(e["seconds"] for e in entries)
        size = sum(e["bytes"] for e in entries) / 1e6
        files = [str(estate / e["file"]) for e in entries]
        plain = child(PLAIN_READ_JSON, json.dumps(files), str(work / f"plain-{fmt}.duckdb"),
                      "records" if fmt == "cloudtrail" else "documents") if fmt != "unrecognised" else {}
        (work / f"plain-{fmt}.duckdb").unlink(missing_ok=True)
        line = f"{fmt:<14}{len(entries):>6}{size:>8.1f} | {rows:>13,}{seconds:>8.1f}{rate(rows, seconds):>10} | "
        if "rows" in plain:
            totals["plain_rows"] += plain["rows"]
            totals["plain_seconds"] += plain["seconds"]
            totals["plain_peak"] = max(totals["plain_peak"], plain["peak_mb"])
            speed = (rows / seconds) / (plain["rows"] / plain["seconds"]) if seconds and plain["rows"] else 0.0
            line += (f"{plain['rows']:>15,}{plain['seconds']:>8.1f}{rate(plain['rows'], plain['seconds']):>10}"
                     f"{plain['peak_mb']:>9.0f} | {speed:>5.2f}x")
        else:
            line += f"{'(' + plain.get('error', 'not read') + ')':<42}"
        totals["rows"] += rows
        totals["seconds"] += seconds
        print(line)
    print("-" * len(header))
    print(f"{'all audit':<14}{len(ours['files']):>6}{'':>8} | {totals['rows']:>13,}{ours['seconds']:>8.1f}"
          f"{rate(totals['rows'], ours['seconds']):>10} | {totals['plain_rows']:>15,}{totals['plain_seconds']:>8.1f}"
          f"{rate(totals['plain_rows'], totals['plain_seconds']):>10}{totals['plain_peak']:>9.0f} |")
    print(f"peak RSS: product audit ingest {ours['peak_mb']:.0f} MB (all formats in one process); "
          f"read_json {totals['plain_peak']:.0f} MB (largest format)")


def compare_runs(estate: Path, work: Path, as_of: str) -> None:
    db = work / "estate.duckdb"
    db.unlink(missing_ok=True)
    full = child(FULL_RUN, str(estate), str(db), as_of)
    again = child(FULL_RUN, str(estate), str(db), as_of)
    for name, result in (("full run", full), ("unchanged re-run", again)):
        if "error" in result:
            print(f"{name}: failed: {result['error']}")
            continue
        phases = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in result["phases"].items())
        print(f"{name:<17}{result['seconds']:>8.1f} s  ({phases}); peak RSS {result['peak_mb']:.0f} MB; "
              f"database {result['db_mb']:.0f} MB; {result['quarantined']} quarantined")
    if "seconds" in full and "seconds" in again:
        print(f"unchanged re-run / full run: {again['seconds'] / full['seconds']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estate", type=Path, help="measure an existing estate folder instead of generating")
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 5_000_000, 10_000_000])
    parser.add_argument("--systems", type=int, nargs="+", default=[500, 5_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default=None, help="the run's as-of date (default: the generator's)")
    parser.add_argument("--keep", type=Path, help="keep estates and databases in this folder")
    args = parser.parse_args()
    from mcp_clearance.sample_estate import DEFAULT_AS_OF, generate

    as_of = args.as_of or DEFAULT_AS_OF.isoformat()
    with tempfile.TemporaryDirectory(prefix="mcp-clearance-scale-") as tmp:
        root = args.keep or Path(tmp)
        sizes = [(None, None)] if args.estate else [(e, s) for s in args.systems for e in args.events]
        for events, systems in sizes:
            work = root / (f"e{events}-s{systems}" if events is not None else "estate")
            work.mkdir(parents=True, exist_ok=True)
            estate = args.estate
            if estate is None:
                estate = work / "estate"
                start = time.perf_counter()
                generate(estate, systems=systems, events=events, seed=args.seed)
                print(f"\n== {events:,} events, {systems:,} systems (generated in {time.perf_counter() - start:.0f} s)")
            else:
                print(f"\n== {estate}")
            size = sum(p.stat().st_size for p in (estate / "audit").rglob("*") if p.is_file())
            print(f"audit folder: {size / 1e6:.1f} MB as stored")
            compare_ingest(estate, work)
            compare_runs(estate, work, as_of)


if __name__ == "__main__":
    main()
