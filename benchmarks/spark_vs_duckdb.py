"""The reduction (evaluate.MATERIALISED_VIEWS) on the DuckDB path against Spark in local mode, on a generated estate.

    python benchmarks/spark_vs_duckdb.py                        # 1M tool calls (the issue's figure)
    python benchmarks/spark_vs_duckdb.py --events 50000         # a quick check
    python benchmarks/spark_vs_duckdb.py --work /tmp/bench --keep

Steps: `mcp-clearance generate` an estate, one plain `mcp-clearance run`, `mcp-clearance export --parquet` of it.
Then, each in a fresh child process over the same evidence:
  duckdb  the published database's views of queries/ materialised again (what every run does)
  spark   `python -m mcp_clearance.spark reduce --lake … --out …` (local[2]; JVM start-up included)
  load    `run --reduced`'s side: the Spark output loaded into DuckDB with the views' column types
Wall time, and peak memory as the resident set of the child's whole process tree (Python and, for Spark, its JVM),
sampled every 50 ms from /proc. Not a test: it prints figures and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from mcp_clearance.sample_estate import DEFAULT_AS_OF

DUCKDB_REDUCTION = """
import sys, time, duckdb
from mcp_clearance.evaluate import MATERIALISED_VIEWS, create_views, materialise_views
con = duckdb.connect(sys.argv[1])
create_views(con)  # the views again over the raw tables, as a run creates them before materialising
start = time.perf_counter()
materialise_views(con)
print(f"{time.perf_counter() - start:.2f}")
"""

LOAD_REDUCED = """
import sys, time, duckdb
from pathlib import Path
from mcp_clearance.evaluate import create_views, materialise_views
con = duckdb.connect(sys.argv[1])
create_views(con)
start = time.perf_counter()
materialise_views(con, reduced=Path(sys.argv[2]))
print(f"{time.perf_counter() - start:.2f}")
"""


def last_number(out: str) -> float:
    """The figure a child printed last (DuckDB's progress bar writes to stdout before it on long statements)."""
    return float(out.strip().splitlines()[-1])


def tree_rss_bytes(root: int) -> int:
    """Resident memory of `root` and every descendant, from /proc (a JVM child counts with its Python parent)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text().split()
        except OSError:
            continue  # the process ended while being read
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[int(entry)] = int(statm[1]) * page
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid and child not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree)


def measured(command: list[str]) -> tuple[float, float, str]:
    """Run `command`; returns wall seconds, peak process-tree RSS in MB, and its stdout."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_bytes(child.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - start
    if child.returncode not in (0, 1):  # 1: a run with quarantined records (the generator plants some)
        sys.exit(f"{' '.join(command[:4])} failed ({child.returncode}): {err.strip().splitlines()[-1:]}")
    return seconds, peak / 2**20, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="tool calls in the generated estate")
    parser.add_argument("--systems", type=int, default=None, help="systems  [default: the generator's]")
    parser.add_argument("--work", type=Path, default=None, help="working folder  [default: a temporary one]")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument("--estate", type=Path, default=None,
                        help="an estate generated already (as of the sample's date), instead of generating one")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="spark-vs-duckdb-"))
    work.mkdir(parents=True, exist_ok=True)
    cli = [sys.executable, "-m", "mcp_clearance.cli"]
    estate, db, lake, reduced = work / "estate", work / "estate.duckdb", work / "lake", work / "reduced"
    try:
        if args.estate:
            estate = args.estate
            print(f"estate: {estate} (generated already), work in {work}")
        else:
            print(f"estate: {args.events:,} tool calls in {work}")
            generate = [*cli, "generate", str(estate), "--events", str(args.events)]
            seconds, _, _ = measured([*generate, *(["--systems", str(args.systems)] if args.systems else [])])
            print(f"  generate            {seconds:8.1f} s")
        # the generator's estate stands on its as-of date: the run judges it as of that day
        seconds, peak, _ = measured([*cli, "run", str(estate), "--db", str(db), "--as-of", DEFAULT_AS_OF.isoformat()])
        print(f"  run (plain)         {seconds:8.1f} s   {peak:8.0f} MB peak")
        seconds, peak, _ = measured([*cli, "export", "--db", str(db), "--parquet", str(lake)])
        lake_mb = sum(p.stat().st_size for p in lake.rglob("*.parquet")) / 2**20
        print(f"  export --parquet    {seconds:8.1f} s   {peak:8.0f} MB peak   lake {lake_mb:,.0f} MB")
        manifest = json.loads((lake / "manifest.json").read_text())
        calls, events = (manifest["tables"][t]["rows"] for t in ("tool_calls", "target_events"))
        print(f"reduction of {calls:,} tool calls and {events:,} target events "
              "(wall time of a fresh process / of the reduction inside it; peak RSS of its process tree)")
        copy = work / "reduce.duckdb"
        shutil.copy(db, copy)
        seconds, peak, inner = measured([sys.executable, "-c", DUCKDB_REDUCTION, str(copy)])
        print(f"  duckdb              {seconds:8.1f} s   ({last_number(inner):6.1f} s reducing)   {peak:8.0f} MB peak")
        seconds, peak, _ = measured([sys.executable, "-m", "mcp_clearance.spark", "reduce", "--lake", str(lake),
                                     "--out", str(reduced)])
        print(f"  spark local[2]      {seconds:8.1f} s   (JVM start-up included)   {peak:8.0f} MB peak")
        shutil.copy(db, copy)
        seconds, peak, inner = measured([sys.executable, "-c", LOAD_REDUCED, str(copy), str(reduced)])
        print(f"  load --reduced      {seconds:8.1f} s   ({last_number(inner):6.1f} s loading)    {peak:8.0f} MB peak")
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
