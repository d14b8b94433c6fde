"""The dashboard end to end: `streamlit run app.py` on the sample estate, every page opened by its URL in
headless Chromium, checked against the database, and photographed for docs/screenshots/.

Render times (navigation until the title shows, and until the run has finished with every chart drawn)
are printed, never asserted. `python benchmarks/dashboard_render.py` measures them on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dashboard_browser import PAGES, VIEWPORT, DashboardPage, Server, chromium, full_screenshot, open_page
from playwright.sync_api import Browser, Page, expect

from mcp_clearance.api import share
from mcp_clearance.dashboard.style import LABELS

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def sql(db: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


@pytest.fixture(scope="module")
def server(dashboard_db: Path, tmp_path_factory: pytest.TempPathFactory,
           request: pytest.FixtureRequest) -> Server:
    running = Server(dashboard_db, tmp_path_factory.mktemp("streamlit") / "server.log")
    request.addfinalizer(running.stop)  # registered before anything can fail: the server always goes
    try:
        running.wait_healthy()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    return running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        with chromium() as launched:
            yield launched
    except FileNotFoundError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def tab(browser: Browser, server: Server) -> Iterator[Page]:
    page = browser.new_page(viewport=VIEWPORT)
    yield page
    page.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def visit(tab: Page, server: Server, page: DashboardPage, capsys: pytest.CaptureFixture[str],
          query: str = "") -> None:
    timing = open_page(tab, f"{server.url}/{page.path}{query}", page.title)
    with capsys.disabled():
        print(f"\n  render {page.title:<12} title {timing.title_s:5.2f} s   settled {timing.settled_s:5.2f} s")


def no_errors(tab: Page, server: Server) -> None:
    assert tab.locator('[data-testid="stException"]').count() == 0, server.output()
    assert tab.locator('[data-testid="stAlertContentError"]').count() == 0
    assert "Traceback" not in tab.locator("body").inner_text()


def photograph(tab: Page, page: DashboardPage, shots: Path) -> None:
    target = SCREENSHOTS / f"{page.name}.png"
    full_screenshot(tab, target, shots / f"{page.name}.png")
    assert target.stat().st_size > 10_000 and target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def metric_values(tab: Page) -> dict[str, str]:
    out = {}
    for metric in tab.locator('[data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def by_name(name: str) -> DashboardPage:
    return next(p for p in PAGES if p.name == name)


def test_posture(tab: Page, server: Server, dashboard_db: Path, shots: Path,
                 capsys: pytest.CaptureFixture[str]) -> None:
    page = by_name("posture")
    visit(tab, server, page, capsys)
    no_errors(tab, server)
    as_of, systems, cleared, read_only, blocked, insufficient, coverage, expiring = sql(
        dashboard_db, "SELECT as_of, systems, cleared, read_only, blocked, insufficient_evidence, evidence_coverage, "
                      "exceptions_expiring_30d FROM estate_summary")[0]
    assert metric_values(tab) == {
        "Cleared": str(cleared), "Read-only": str(read_only), "Blocked": str(blocked),
        "Insufficient evidence": str(insufficient), "Evidence coverage": share(coverage),
        "Exceptions expiring ≤ 30 days": str(expiring),
    }
    expect(tab.get_by_text(f"As of {as_of.isoformat()} · {systems} systems", exact=False)).to_be_visible()
    expect(tab.get_by_text(f"{cleared} of {systems} systems are cleared for MCP agents", exact=False)).to_be_visible()
    assert tab.locator('[data-testid="stPlotlyChart"] svg.main-svg').count() >= 5
    for title in ("Verdicts by tier", "Verdicts by business unit", "Verdicts over runs", "Systems x gates"):
        expect(tab.locator(".gtitle").filter(has_text=title)).to_have_count(1)
    photograph(tab, page, shots)


def test_frameworks(tab: Page, server: Server, dashboard_db: Path, shots: Path,
                    capsys: pytest.CaptureFixture[str]) -> None:
    page = by_name("frameworks")
    visit(tab, server, page, capsys)
    no_errors(tab, server)
    framework_id, name = sql(dashboard_db, "SELECT DISTINCT framework_id, framework_name FROM framework_requirements "
                                           "ORDER BY framework_name LIMIT 1")[0]
    assert re.search(rf"[?&]framework={framework_id}\b", tab.url), tab.url
    counts = dict(sql(dashboard_db, "SELECT status, count(*) FROM framework_status_estate WHERE framework_id = ? "
                                    "GROUP BY 1", framework_id))
    line = " · ".join(f"{counts.get(s, 0)} {s}" for s in ("passing", "failing", "unknown", "gap"))
    expect(tab.get_by_text(line, exact=True)).to_be_visible()
    expect(tab.locator(".gtitle").filter(has_text=f"{name}: requirements by status")).to_have_count(1)
    photograph(tab, page, shots)


def test_explorer(tab: Page, server: Server, dashboard_db: Path, shots: Path,
                  capsys: pytest.CaptureFixture[str]) -> None:
    page = by_name("explorer")
    visit(tab, server, page, capsys)
    no_errors(tab, server)
    results, systems = sql(dashboard_db, "SELECT count(*), count(DISTINCT system_id) FROM findings "
                                         "WHERE status IN ('FAIL', 'UNKNOWN')")[0]
    expect(tab.get_by_text(f"{results} results · {systems} systems", exact=True)).to_be_visible()
    assert "status=FAIL&status=UNKNOWN" in tab.url, "the default filter is mirrored in the URL"
    expect(tab.locator('[data-testid="stDataFrame"]')).to_have_count(1)
    photograph(tab, page, shots)


def test_system_from_its_url(tab: Page, server: Server, dashboard_db: Path, shots: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    page = by_name("system")
    system_id, name, verdict, tier = sql(
        dashboard_db, "SELECT system_id, system_name, verdict, tier FROM verdicts "
                      "ORDER BY system_id = (SELECT min(system_id) FROM verdicts), tier, system_id LIMIT 1")[0]
    visit(tab, server, page, capsys, query=f"?system={system_id}")
    no_errors(tab, server)
    picker = tab.get_by_role("combobox", name="System")
    expect(picker).to_be_visible()
    shown = picker.input_value() if picker.evaluate("e => e.tagName") == "INPUT" else picker.inner_text()
    assert shown.strip() == f"{system_id} — {name}"
    expect(tab.get_by_text("Verdict:", exact=False).first).to_be_visible()
    expect(tab.get_by_text(LABELS[verdict], exact=True).first).to_be_visible()
    expect(tab.get_by_text(f"Tier {tier}", exact=True)).to_be_visible()
    for heading in ("Agents and connectors", "Tools", "Credentials", "Delegation chain seen in the logs",
                    "Findings with evidence"):
        expect(tab.get_by_role("heading", name=heading)).to_be_visible()
    assert f"system={system_id}" in tab.url
    photograph(tab, page, shots)


def test_remediation(tab: Page, server: Server, dashboard_db: Path, shots: Path,
                     capsys: pytest.CaptureFixture[str]) -> None:
    page = by_name("remediation")
    visit(tab, server, page, capsys)
    no_errors(tab, server)
    open_, overdue, unticketed = sql(dashboard_db, "SELECT count(*), count(*) FILTER (WHERE overdue), "
                                                   "count(*) FILTER (WHERE ticket IS NULL) FROM findings "
                                                   "WHERE status = 'FAIL' AND NOT suppressed")[0]
    assert metric_values(tab) == {"Open findings": str(open_), "Overdue by tier SLA": str(overdue),
                                  "Without a ticket": str(unticketed)}
    expect(tab.locator(".gtitle").filter(has_text="Open findings per team over runs")).to_have_count(1)
    photograph(tab, page, shots)


def test_exceptions(tab: Page, server: Server, dashboard_db: Path, shots: Path,
                    capsys: pytest.CaptureFixture[str]) -> None:
    page = by_name("exceptions")
    visit(tab, server, page, capsys)
    no_errors(tab, server)
    counts = dict(sql(dashboard_db, "SELECT state, count(*) FROM exceptions_audit GROUP BY 1"))
    assert metric_values(tab) == {s.replace("_", " ").capitalize(): str(counts.get(s, 0))
                                  for s in ("active", "expired", "unused", "invalid", "not_yet_active")}
    photograph(tab, page, shots)


def test_data(tab: Page, server: Server, dashboard_db: Path, shots: Path,
              capsys: pytest.CaptureFixture[str]) -> None:
    page = by_name("data")
    visit(tab, server, page, capsys)
    no_errors(tab, server)
    quarantined = sql(dashboard_db, "SELECT count(*) FROM quarantine")[0][0]
    expect(tab.get_by_role("heading", name=f"Quarantined records ({quarantined})")).to_be_visible()
    expect(tab.get_by_role("heading", name="Runs")).to_be_visible()
    photograph(tab, page, shots)


def test_sidebar_navigation_reaches_every_page(tab: Page, server: Server,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    visit(tab, server, by_name("posture"), capsys)
    nav = tab.locator('[data-testid="stSidebarNav"] a')
    assert [t.strip() for t in nav.all_inner_texts()] == [p.title for p in PAGES]
    for page in PAGES[1:] + PAGES[:1]:
        nav.filter(has_text=page.title).first.click()
        expect(tab.locator("h1").filter(has_text=page.title)).to_be_visible(timeout=180_000)
        no_errors(tab, server)
        assert tab.url.split("?")[0].rstrip("/") == f"{server.url}/{page.path}".rstrip("/")
