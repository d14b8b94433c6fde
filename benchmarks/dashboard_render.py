"""Dashboard render time per page in headless Chromium, against the 2-second target.

    bash scripts/start.sh --no-dashboard             # makes estate.duckdb (sample estate, 9 runs)
    python benchmarks/dashboard_render.py            # or --db /path/to/estate.duckdb, --rounds 5

Starts `streamlit run app.py` on a free localhost port, and for every page measures three ways in:
the first visit after the server starts (cold caches: the run's queries are computed), a full page
load after that (warm caches, plus the websocket and script start-up), and going there through the
sidebar (warm, no page load: what a user clicking around sees). "settled" is navigation until the
script has finished and every chart has drawn. Prints the median of --rounds warm measurements and a
verdict against the target. Not a test: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from dashboard_browser import PAGES, VIEWPORT, Server, chromium, click_nav, open_page

TARGET_S = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("estate.duckdb"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not args.db.exists():
        print(f"{args.db} does not exist: run `bash scripts/start.sh --no-dashboard` first", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as work:
        server = Server(args.db.resolve(), Path(work) / "server.log")
        try:
            server.wait_healthy()
            with chromium() as browser:
                tab = browser.new_page(viewport=VIEWPORT)
                cold = {p.title: open_page(tab, f"{server.url}/{p.path}", p.title).settled_s for p in PAGES}
                load: dict[str, list[float]] = {p.title: [] for p in PAGES}
                nav: dict[str, list[float]] = {p.title: [] for p in PAGES}
                for _ in range(args.rounds):
                    for p in PAGES:
                        load[p.title].append(open_page(tab, f"{server.url}/{p.path}", p.title).settled_s)
                    for p in PAGES[1:] + PAGES[:1]:
                        nav[p.title].append(click_nav(tab, p.title).settled_s)
        finally:
            server.stop()

    print(f"Dashboard render time, {args.db} — median of {args.rounds} warm rounds; target {TARGET_S:.1f} s")
    print(f"{'page':<12} {'first visit':>12} {'page load':>10} {'sidebar':>9}  verdict")
    worst = 0.0
    for p in PAGES:
        warm_load, warm_nav = statistics.median(load[p.title]), statistics.median(nav[p.title])
        worst = max(worst, warm_load, warm_nav)
        verdict = "ok" if max(warm_load, warm_nav) < TARGET_S else "over target"
        print(f"{p.title:<12} {cold[p.title]:>11.2f}s {warm_load:>9.2f}s {warm_nav:>8.2f}s  {verdict}")
    print(f"slowest warm render {worst:.2f} s vs target {TARGET_S:.1f} s: "
          f"{'within' if worst < TARGET_S else 'OVER'} target ({worst / TARGET_S:.0%} of it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
