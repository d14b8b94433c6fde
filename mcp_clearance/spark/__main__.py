"""`python -m mcp_clearance.spark reduce --lake DIR --out OUT [--as-of YYYY-MM-DD]`, or the same with spark-submit."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from mcp_clearance.spark.reduce import LakeProblem, local_session, reduce
from mcp_clearance.spark.translate import Untranslatable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcp_clearance.spark",
                                     description="Reduce an evidence lake on Spark to the views a run judges.")
    commands = parser.add_subparsers(dest="command", required=True)
    job = commands.add_parser("reduce", help="compute every materialised view from the lake, as Parquet")
    job.add_argument("--lake", type=Path, required=True, help="lake folder written by `mcp-clearance export`")
    job.add_argument("--out", type=Path, required=True, help="folder for OUT/<view>/*.parquet and manifest.json")
    job.add_argument("--as-of", type=date.fromisoformat, default=None,
                     help="the run's as-of date  [default: the lake manifest's as_of]")
    args = parser.parse_args(argv)
    try:
        with local_session() as spark:
            manifest = reduce(spark, args.lake, args.out, as_of=args.as_of)
    except (LakeProblem, Untranslatable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, rows in manifest.views.items():
        print(f"{name}: {rows:,} rows → {args.out / name}")
    print(f"reduced as of {manifest.as_of}; judge with: mcp-clearance run ESTATE --reduced {args.out} "
          f"--as-of {manifest.as_of}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
