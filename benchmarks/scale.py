"""Scale benchmark: the product against plain DuckDB on generated estates, side by side.

    python benchmarks/scale.py --events 1M,5M,10M --systems 500,5000   # the full set: 1/5/10 M at 500, 1 M at 5,000
    python benchmarks/scale.py --events 200000 --systems 500                          # a quick check
    python benchmarks/scale.py --estate /path/to/estate                                # an existing estate folder

Generated estates are cached outside the repository (--cache, default ~/.cache/mcp-clearance/scale), one folder
per events x systems x seed, generated in a child process and reused by later runs. Per estate it prints a full
`mcp-clearance run` (ingest, audit redaction, evaluation and record_run timed inside it, each audit format's
loading too) and an unchanged re-run of the same estate into the same database; then, format by format over the
same files, the audit loading inside that full run against DuckDB's own `read_json` of those files into a table
(CloudTrail documents with their Records unnested, so rows count the same records; both sides with the run's own
DuckDB settings: threads, memory_limit, temp_directory), rows/s and peak RSS of each; the database's size against
the estate's gzipped size; and, on the estate of the most events, the dashboard page times
(benchmarks/dashboard_render.py, headless Chromium; --no-dashboard skips it). Every measurement runs in a fresh
child process that reports its own peak RSS (ru_maxrss), so one measurement's memory never hides another's. Not a
test: it prints figures and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

PLAIN_READ_JSON = """
import json, resource, sys, time
from pathlib import Path
import duckdb
from mcp_clearance.run import duckdb_config, spill_folder
files, records, db = json.loads(Path(sys.argv[1]).read_text()), sys.argv[3] == "records", Path(sys.argv[2])
con = duckdb.connect(str(db), config=duckdb_config(spill_folder(db)))  # the same settings as the product's run
reader = f"read_json({files!r}, format = 'auto', union_by_name = true, ignore_errors = true, " \\
         "maximum_object_size = 67108864)"  # the product's own limit per document
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
from collections import defaultdict
from datetime import date
from pathlib import Path
import duckdb
import mcp_clearance.run as product
from mcp_clearance.pipelines import base
phases, loading, depth = {}, defaultdict(float), [0]
def timed(name, function):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - start
    return wrapper
def loader_timed(loader):  # per format, the outermost call only (a refused batch retries inside it)
    def wrapper(ctx, family, module, *args):
        depth[0] += 1
        start = time.perf_counter()
        try:
            return loader(ctx, family, module, *args)
        finally:
            depth[0] -= 1
            if depth[0] == 0 and family == "audit":
                loading[module.FORMAT] += time.perf_counter() - start
    return wrapper
product.ingest = timed("ingest", product.ingest)
product.evaluate = timed("evaluate", product.evaluate)
product.record_run = timed("record_run", product.record_run)
product.redact_loaded_audit = timed("audit redaction", product.redact_loaded_audit)
base._load_batch, base._load_one = loader_timed(base._load_batch), loader_timed(base._load_one)
start = time.perf_counter()
result = product.run(Path(sys.argv[1]), Path(sys.argv[2]), as_of=date.fromisoformat(sys.argv[3]))
seconds = time.perf_counter() - start
with duckdb.connect(sys.argv[2], read_only=True) as con:
    files = [{"file": f, "format": fmt, "rows": rows, "bytes": size} for f, fmt, rows, size in con.execute(
        "SELECT source_file, format, rows_loaded, bytes FROM sources WHERE family = 'audit'").fetchall()]
print(json.dumps({"seconds": seconds, "phases": phases, "loading": loading, "files": files,
                  "quarantined": result.quarantined, "reused": result.reused_files,
                  "db_mb": Path(sys.argv[2]).stat().st_size / 1e6,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(script: str, *args: str) -> dict:
    """Run one measurement in a fresh interpreter; its last stdout line is the JSON result."""
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        # the exception's own line (DuckDB's messages go on for lines after it, a URL last), else the last line
        # that says something (Python 3.11 ends some tracebacks with a line of carets)
        lines = [line for line in proc.stderr.splitlines() if line.strip(" ^~")]
        raised = [line for line in lines if re.match(r"[\w.]+(Error|Exception|OutOfMemory)\b.*:", line)]
        return {"error": (raised or lines or ["no output"])[-1][:200]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def rate(rows: float, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"


def compare_ingest(estate: Path, work: Path, ours: dict) -> None:
    """The full run's audit loading, format by format, against plain read_json of the same files."""
    by_format: dict[str, list[dict]] = defaultdict(list)
    for entry in ours["files"]:
        by_format[entry["format"] or "unrecognised"].append(entry)
    print("audit ingest inside the full run, per format, against read_json of the same files (the run's DuckDB "
          "settings on both sides)")
    header = (f"{'format':<14}{'files':>6}{'MB':>8} | {'product rows':>13}{'s':>8}{'rows/s':>10} | "
              f"{'read_json rows':>15}{'s':>8}{'rows/s':>10}{'peak MB':>9} | {'speed':>6}")
    print(header)
    print("-" * len(header))
    totals = {"rows": 0, "seconds": 0.0, "plain_rows": 0, "plain_seconds": 0.0, "plain_peak": 0.0}
    for fmt, entries in sorted(by_format.items()):
        rows = sum(e["rows"] for e in entries)
        seconds = ours["loading"].get(fmt, 0.0)
        size = sum(e["bytes"] for e in entries) / 1e6
        files = [str(estate / e["file"]) for e in entries]
        listing = work / f"plain-{fmt}.files.json"  # a file, not an argument: 5,000 systems' names exceed ARG_MAX
        listing.write_text(json.dumps(files))
        plain = child(PLAIN_READ_JSON, str(listing), str(work / f"plain-{fmt}.duckdb"),
                      "records" if fmt == "cloudtrail" else "documents") if fmt != "unrecognised" else {}
        listing.unlink()
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
    redaction = ours["phases"].get("audit redaction", 0.0)
    print(f"{'(redaction)':<28} | {'':>13}{redaction:>8.1f}{'':>10} |   secrets in the audit tables, after loading")
    totals["seconds"] += redaction
    print("-" * len(header))
    print(f"{'all audit':<14}{len(ours['files']):>6}{'':>8} | {totals['rows']:>13,}{totals['seconds']:>8.1f}"
          f"{rate(totals['rows'], totals['seconds']):>10} | {totals['plain_rows']:>15,}{totals['plain_seconds']:>8.1f}"
          f"{rate(totals['plain_rows'], totals['plain_seconds']):>10}{totals['plain_peak']:>9.0f} |")
    speed = (totals["rows"] / totals["seconds"]) / (totals["plain_rows"] / totals["plain_seconds"]) \
        if totals["seconds"] and totals["plain_rows"] and totals["plain_seconds"] else 0.0
    print(f"all audit formats: the product at {speed:.2f}x read_json's rows/s; peak RSS of the whole run "
          f"{ours['peak_mb']:.0f} MB, read_json {totals['plain_peak']:.0f} MB (its largest format alone)")


def compare_runs(estate: Path, work: Path, as_of: str) -> tuple[Path, dict]:
    """A full run into a fresh database, then an unchanged re-run into the same one; the database and the full
    run's figures."""
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
              f"database {result['db_mb']:.0f} MB; {result['quarantined']} quarantined; "
              f"{result['reused']} files reused")
    if "seconds" in full and "seconds" in again:
        print(f"unchanged re-run / full run: {again['seconds'] / full['seconds']:.2f}")
    return db, full


def gzipped_size(estate: Path) -> int:
    """Bytes of the estate's files gzipped (level 6; files already .gz count as they are), cached beside it."""
    cache = estate.parent / "gzipped-bytes.json"
    if cache.exists():
        return json.loads(cache.read_text())["bytes"]
    total = 0
    for path in sorted(p for p in estate.rglob("*") if p.is_file()):
        if path.suffix == ".gz":
            total += path.stat().st_size
            continue
        counter = _ByteCounter()
        with path.open("rb") as source, gzip.GzipFile(fileobj=counter, mode="wb", compresslevel=6) as sink:
            while chunk := source.read(1 << 20):
                sink.write(chunk)
        total += counter.bytes
    cache.write_text(json.dumps({"bytes": total}))
    return total


class _ByteCounter:
    """A write-only file that only counts what gzip writes to it."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self.bytes += len(data)
        return len(data)

    def flush(self) -> None:
        return None


def dashboard_times(db: Path) -> None:
    script = Path(__file__).resolve().parent / "dashboard_render.py"
    proc = subprocess.run([sys.executable, str(script), "--db", str(db)], capture_output=True, text=True)
    print(proc.stdout.rstrip() or "(no output)")
    if proc.returncode != 0:
        print(f"dashboard_render.py failed (exit {proc.returncode}): "
              f"{(proc.stderr.strip().splitlines() or ['no error output'])[-1][:200]}")


def cached_estate(cache: Path, events: int, systems: int, seed: int) -> Path:
    """The generated estate for these sizes, generated once into the cache (`complete` marks a finished one).

    Generated in a child process: a process's peak RSS survives into the children it starts (Linux keeps
    ru_maxrss across fork and exec), so a generator run here would stand in every later measurement's peak."""
    folder = cache / f"e{events}-s{systems}-seed{seed}"
    estate = folder / "estate"
    if (folder / "complete").exists():
        print(f"\n== {events:,} events, {systems:,} systems (cached in {folder})")
        return estate
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                    "from mcp_clearance.sample_estate import generate; "
                    "generate(Path(sys.argv[1]), systems=int(sys.argv[2]), events=int(sys.argv[3]), "
                    "seed=int(sys.argv[4]))",
                    str(estate), str(systems), str(events), str(seed)], check=True)
    (folder / "complete").touch()
    seconds = time.perf_counter() - start
    print(f"\n== {events:,} events, {systems:,} systems (generated in {seconds:.0f} s into {folder})")
    return estate


def sizes(text: str) -> list[int]:
    """`1000000,5000000` (or `1M,5M`, `500`) as a list of counts."""
    units = {"k": 1_000, "m": 1_000_000}
    return [int(float(part[:-1]) * units[part[-1].lower()]) if part[-1].lower() in units else int(part)
            for part in text.replace(" ", "").split(",") if part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estate", type=Path, help="measure an existing estate folder instead of generating")
    parser.add_argument("--events", type=sizes, default=sizes("1M,5M,10M"), help="tool calls, comma-separated")
    parser.add_argument("--systems", type=sizes, default=sizes("500,5000"), help="systems, comma-separated")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default=None, help="the run's as-of date (default: the generator's)")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "mcp-clearance" / "scale",
                        help="generated estates and the benchmark's databases (outside the repository)")
    parser.add_argument("--no-dashboard", action="store_true", help="skip the dashboard page times")
    args = parser.parse_args()
    from mcp_clearance.sample_estate import DEFAULT_AS_OF

    as_of = args.as_of or DEFAULT_AS_OF.isoformat()
    print(f"scale benchmark {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.machine()} "
          f"{platform.processor() or platform.platform()}, {os.cpu_count()} cores visible, "
          f"load average {os.getloadavg()[0]:.1f}")
    # one axis at a time: every event count at the first systems count, then the other systems counts at the
    # first event count (the full cross product of 10 M events and 5,000 systems would add hours, not insight)
    runs = ([(None, None)] if args.estate else
            [(e, args.systems[0]) for e in args.events] + [(args.events[0], s) for s in args.systems[1:]])
    largest: tuple[int, Path] | None = None  # the database of the most events, for the dashboard times
    for events, systems in runs:
        if args.estate is not None:
            estate, work = args.estate, args.cache / "given-estate"
            print(f"\n== {estate}")
        else:
            estate = cached_estate(args.cache, events, systems, args.seed)
            work = estate.parent
        work.mkdir(parents=True, exist_ok=True)
        audit_bytes = sum(p.stat().st_size for p in (estate / "audit").rglob("*") if p.is_file())
        print(f"audit folder: {audit_bytes / 1e6:.1f} MB as stored")
        db, full = compare_runs(estate, work, as_of)
        if "files" in full:
            compare_ingest(estate, work, full)
        if db.exists():
            gz = gzipped_size(estate)
            print(f"database {db.stat().st_size / 1e6:.1f} MB vs estate gzipped {gz / 1e6:.1f} MB: "
                  f"{db.stat().st_size / gz:.2f}x")
            if largest is None or (events or 0) > largest[0]:
                largest = (events or 0, db)
    if largest is not None and not args.no_dashboard:
        print(f"\n== dashboard page times on {largest[1]}")
        dashboard_times(largest[1])


if __name__ == "__main__":
    main()
