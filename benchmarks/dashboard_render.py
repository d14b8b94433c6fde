"""Dashboard render time per page in headless Chromium, against the 2-second target.

    bash scripts/start.sh --no-dashboard             # makes estate.duckdb (sample estate, 9 runs)
    python benchmarks/dashboard_render.py            # or --db /path/to/estate.duckdb, --rounds 5

Starts `streamlit run app.py` on a free localhost port, and for every page measures three ways in:
the first visit after the server starts (cold caches: the run's queries are computed), a full page
load after that (warm caches, plus the websocket and script start-up), and going there through the
sidebar (warm, no page load: what a user clicking around sees). "settled" is navigation until the
script has finished and every chart has drawn. Every page of the app is measured (tests/dashboard_browser.PAGES,
Systems and Agents included), then the deep links that draw a page's fullest state (a chosen framework
requirement, a system with its chain, a filtered Systems list, the Explorer grouped): page load only, since the
sidebar opens a page without its URL filters. Prints the median of --rounds warm measurements and a verdict
against the target. Not a test: it asserts nothing about time.
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
# (label, URL path with its query, the page's title): the states a user reaches by a click from another page
DEEP_LINKS = [
    ("Systems: blocked", "systems?verdict=BLOCKED", "Systems"),
    ("Frameworks: NIST 800-53", "frameworks?framework=nist_sp_800_53_r5", "Frameworks"),
    ("Explorer: by gate", "explorer?group=gate", "Explorer"),
    ("System: customer-360", "system?system=customer-360", "System"),
    ("Remediation: team, 14 d", "remediation?due=14d&team=erp", "Remediation"),
]


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
                cold |= {label: open_page(tab, f"{server.url}/{path}", title).settled_s
                         for label, path, title in DEEP_LINKS}
                load: dict[str, list[float]] = {name: [] for name in cold}
                nav: dict[str, list[float]] = {p.title: [] for p in PAGES}
                for _ in range(args.rounds):
                    for p in PAGES:
                        load[p.title].append(open_page(tab, f"{server.url}/{p.path}", p.title).settled_s)
                    for label, path, title in DEEP_LINKS:
                        load[label].append(open_page(tab, f"{server.url}/{path}", title).settled_s)
                    for p in PAGES[1:] + PAGES[:1]:
                        nav[p.title].append(click_nav(tab, p.title).settled_s)
        finally:
            server.stop()

    print(f"Dashboard render time, {args.db} — median of {args.rounds} warm rounds; target {TARGET_S:.1f} s")
    print(f"{'page':<26} {'first visit':>12} {'page load':>10} {'sidebar':>9}  verdict")
    worst = 0.0
    for name in cold:
        warm = [statistics.median(load[name])] + ([statistics.median(nav[name])] if name in nav else [])
        worst = max(worst, *warm)
        sidebar = f"{warm[1]:>8.2f}s" if len(warm) > 1 else f"{'—':>9}"
        verdict = "ok" if max(warm) < TARGET_S else "over target"
        print(f"{name:<26} {cold[name]:>11.2f}s {warm[0]:>9.2f}s {sidebar}  {verdict}")
    print(f"slowest warm render {worst:.2f} s vs target {TARGET_S:.1f} s: "
          f"{'within' if worst < TARGET_S else 'OVER'} target ({worst / TARGET_S:.0%} of it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
