"""Serve the dashboard with `streamlit run app.py` and drive it in headless Chromium (Playwright).

Shared by tests/test_e2e.py and benchmarks/dashboard_render.py. The browser is Debian's Chromium at
/usr/bin/chromium (scripts/test.sh installs it); Playwright never downloads one. Playwright gives every
launch a new, empty profile directory of its own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
# without the background-networking flags Chromium keeps dialling Google and this machine's closed network
# refuses it, many connections at a time
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1440, "height": 900}


@dataclass(frozen=True)
class DashboardPage:
    name: str  # screenshot file name
    path: str  # URL path (the root opens /posture)
    title: str


PAGES = [
    DashboardPage("posture", "posture", "Posture"),
    DashboardPage("systems", "systems", "Systems"),
    DashboardPage("agents", "agents", "Agents"),
    DashboardPage("frameworks", "frameworks", "Frameworks"),
    DashboardPage("explorer", "explorer", "Explorer"),
    DashboardPage("system", "system", "System"),
    DashboardPage("remediation", "remediation", "Remediation"),
    DashboardPage("exceptions", "exceptions", "Exceptions"),
    DashboardPage("data", "data", "Data"),
]

# the page is done: the script has finished its run, no element is still a loading skeleton, every table has
# drawn its grid and every plotly chart its SVG
SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  if (![...document.querySelectorAll('[data-testid="stDataFrame"]')].every(t => t.querySelector('table[role=grid]')))
    return false;
  return [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('svg.main-svg'));
}"""
# every chart has been laid out again for the current viewport: its SVG is as wide as its container
CHARTS_FIT = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')].every(plot => {
  const svg = plot.querySelector('svg.main-svg');
  return svg && Math.abs(svg.getBoundingClientRect().width - plot.getBoundingClientRect().width) < 2;
})"""
SIDEBAR_LINKS = '[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`streamlit run app.py` on a free localhost port, reading `db`; its output goes to `log`."""

    def __init__(self, db: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out: IO[bytes] = log.open("wb")
        env = {**os.environ, "MCP_CLEARANCE_DB": str(db)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reply:
                    if reply.read().strip() == b"ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout:.0f} s:\n{self.output()}")

    def output(self) -> str:
        self._out.flush()
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._out.close()


@contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: `bash scripts/test.sh` installs Debian's chromium "
                                "(apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass(frozen=True)
class Timing:
    title_s: float  # navigation until the page's title is visible
    settled_s: float  # ... until the script has finished and every chart is drawn


def open_page(page: Page, url: str, title: str, timeout_s: float = 180) -> Timing:
    """Navigate to `url` and wait for the page's title, then for the page to settle; returns both times."""
    start = time.perf_counter()
    page.goto(url)
    page.locator("h1").filter(has_text=title).first.wait_for(state="visible", timeout=timeout_s * 1000)
    title_s = time.perf_counter() - start
    page.wait_for_function(SETTLED, timeout=timeout_s * 1000, polling=50)
    return Timing(title_s, time.perf_counter() - start)


def click_nav(page: Page, title: str, timeout_s: float = 180) -> Timing:
    """Go to a page through the sidebar navigation (no page load: the app reruns in place)."""
    start = time.perf_counter()
    page.locator(SIDEBAR_LINKS).filter(has=page.get_by_text(title, exact=True)).click()
    page.locator("h1").filter(has_text=title).first.wait_for(state="visible", timeout=timeout_s * 1000)
    title_s = time.perf_counter() - start
    page.wait_for_function(SETTLED, timeout=timeout_s * 1000, polling=50)
    return Timing(title_s, time.perf_counter() - start)


def full_screenshot(page: Page, *paths: Path) -> None:
    """The whole page: Streamlit scrolls inside its main block, so the viewport is grown to the content first."""
    height = page.evaluate("""() => Math.max(...['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]']
        .map(s => document.querySelector(s)).filter(Boolean).map(e => e.scrollHeight), document.body.scrollHeight)""")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(int(height), VIEWPORT["height"]), 12000)})
    page.wait_for_function(SETTLED, timeout=60_000)
    page.wait_for_function(CHARTS_FIT, timeout=60_000)  # plotly re-lays out its charts for the new size
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(VIEWPORT)
