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
from dashboard_browser import (
    PAGES,
    SIDEBAR_LINKS,
    VIEWPORT,
    DashboardPage,
    Server,
    chromium,
    full_screenshot,
    open_page,
)
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
    assert tab.get_by_test_id("stException").count() == 0, server.output()
    expect(tab.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(tab.locator("body")).not_to_contain_text("Traceback")


def photograph(tab: Page, page: DashboardPage, shots: Path) -> None:
    target = SCREENSHOTS / f"{page.name}.png"
    full_screenshot(tab, target, shots / f"{page.name}.png")
    assert target.stat().st_size > 10_000 and target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def expect_metrics(tab: Page, expected: dict[str, str]) -> None:
    """Wait until the page shows exactly these tiles with these values (the page may still be drawing them)."""
    tiles = tab.get_by_test_id("stMetric")
    expect(tiles).to_have_count(len(expected))
    expect(tiles.get_by_test_id("stMetricLabel")).to_have_text(list(expected))
    for label, value in expected.items():
        tile = tiles.filter(has=tab.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
        expect(tile.get_by_test_id("stMetricValue")).to_have_text(value)


def expect_table_column(tab: Page, column: int, values: list[str], table: int = 0) -> None:
    """Wait until a table (st.dataframe, read through its accessible grid) has exactly these rows, its `column`-th
    column (1-based) holding `values` in order. The table must be tall enough to draw every row."""
    grid = tab.get_by_test_id("stDataFrame").nth(table).locator("table[role=grid]")
    expect(grid).to_have_attribute("aria-rowcount", str(len(values) + 1))
    expect(grid.locator(f'tbody td[aria-colindex="{column}"]')).to_have_text(values)


def expect_title(tab: Page, title: str) -> None:
    expect(tab.locator("h1").filter(has_text=title)).to_be_visible(timeout=180_000)


def expect_picked(tab: Page, label: str, text: str) -> None:
    """The picker labelled `label` shows `text` (a searchable selectbox is an input, a plain one a div)."""
    picker = tab.get_by_role("combobox", name=label)
    expect(picker).to_be_visible()
    if picker.evaluate("e => e.tagName") == "INPUT":
        expect(picker).to_have_value(text)
    else:
        expect(picker).to_have_text(text)


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
    expect_metrics(tab, {
        "Cleared": str(cleared), "Read-only": str(read_only), "Blocked": str(blocked),
        "Evidence coverage": share(coverage), "Exceptions expiring ≤ 30 days": str(expiring),
    })
    expect(tab.get_by_text(f"of which {insufficient} lack evidence", exact=True)).to_be_visible()
    expect(tab.get_by_text(f"As of {as_of.isoformat()} · {systems} systems", exact=True)).to_be_visible()
    expect(tab.get_by_text(f"{cleared} of {systems} systems are cleared for MCP agents", exact=False)).to_be_visible()
    for title in ("Verdicts by tier", "Verdicts by business unit", "Systems x gates",
                  "Checks failing on the most systems"):
        expect(tab.locator(".gtitle").filter(has_text=title)).to_have_count(1)
    expect(tab.locator("body")).not_to_contain_text(str(dashboard_db.parent))  # no temp path in the screenshot
    photograph(tab, page, shots)


def test_the_root_url_opens_posture_at_its_own_url(tab: Page, server: Server) -> None:
    tab.goto(server.url)
    expect_title(tab, "Posture")
    expect(tab).to_have_url(f"{server.url}/posture")


def test_blocked_tile_opens_exactly_the_blocked_systems(tab: Page, server: Server, dashboard_db: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    visit(tab, server, by_name("posture"), capsys)
    tab.get_by_test_id("stPageLink").get_by_text("See blocked systems", exact=True).click()  # click 1
    expect_title(tab, "Systems")
    blocked = [r[0] for r in sql(dashboard_db, "SELECT system_id FROM verdicts WHERE verdict = 'BLOCKED' "
                                               "ORDER BY tier, system_id")]
    total = sql(dashboard_db, "SELECT count(*) FROM verdicts")[0][0]
    expect(tab.get_by_text(f"{len(blocked)} of {total} systems", exact=True)).to_be_visible()
    expect_table_column(tab, 1, [f"./system?system={s}" for s in blocked])
    assert re.search(r"/systems\?verdict=BLOCKED$", tab.url), tab.url
    no_errors(tab, server)


def test_top_fix_opens_the_systems_it_moves(tab: Page, server: Server, dashboard_db: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    visit(tab, server, by_name("posture"), capsys)
    # from the rule: a fix moves a system when it is the only check on the system's path to its next stage
    check_id, moved = sql(dashboard_db, "SELECT check_id, list(system_id ORDER BY tier, system_id) FROM "
                                        "(SELECT system_id, any_value(tier) AS tier, any_value(check_id) AS check_id "
                                        "FROM path_to_clearance GROUP BY 1 HAVING count(*) = 1) "
                                        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0]
    # the fix's own link, not a quick win's (those name the check too, after their system)
    fix = tab.get_by_test_id("stPageLink").filter(has_text=f"check {check_id} · ").filter(has_text=" — moves ")
    expect(fix).to_contain_text(f"moves {len(moved)} system")
    fix.click()  # click 1
    expect_title(tab, "Systems")
    expect(tab.get_by_text(f"moved to their next stage by fixing check {check_id}", exact=False)).to_be_visible()
    expect_table_column(tab, 1, [f"./system?system={s}" for s in moved])
    no_errors(tab, server)


def test_team_due_in_14_days_lists_exactly_those_findings(tab: Page, server: Server, dashboard_db: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    window = "NOT overdue AND due <= (SELECT as_of FROM run_context) + INTERVAL 14 DAY"
    team = sql(dashboard_db, f"SELECT team FROM findings WHERE status = 'FAIL' AND NOT suppressed AND {window} "
                             "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")[0][0]
    due = sql(dashboard_db, "SELECT system_id, check_id, title FROM findings WHERE status = 'FAIL' AND NOT suppressed "
                            f"AND team = ? AND {window} ORDER BY due, team, system_id, check_id, resource", team)
    assert 0 < len(due) < 10, "few enough to be drawn without scrolling"
    visit(tab, server, by_name("posture"), capsys)
    tab.locator(SIDEBAR_LINKS).filter(has_text="Remediation").click()  # click 1
    expect_title(tab, "Remediation")
    tab.get_by_role("toolbar", name="Team").get_by_role("button", name=team, exact=True).click()  # click 2
    tab.get_by_role("radiogroup", name="Due").get_by_role("radio", name="Due in the next 14 days").click()  # click 3
    expect(tab.get_by_text(f"team {team} · due in the next 14 days", exact=False)).to_be_visible()
    unticketed = sql(dashboard_db, "SELECT count(*) FROM findings WHERE status = 'FAIL' AND NOT suppressed "
                                   f"AND team = ? AND {window} AND ticket IS NULL", team)[0][0]
    expect_metrics(tab, {"Open findings": str(len(due)), "Overdue by tier SLA": "0",
                         "Without a ticket": str(unticketed)})
    expect_table_column(tab, 3, [f"./system?system={s}" for s, _, _ in due])
    expect_table_column(tab, 4, [f"check {c} · {t}" for _, c, t in due])
    assert "due=14d" in tab.url and f"team={team}" in tab.url
    no_errors(tab, server)


def test_frameworks(tab: Page, server: Server, dashboard_db: Path, shots: Path,
                    capsys: pytest.CaptureFixture[str]) -> None:
    page = by_name("frameworks")
    visit(tab, server, page, capsys)
    no_errors(tab, server)
    framework_id, name = sql(dashboard_db, "SELECT DISTINCT framework_id, framework_name FROM framework_requirements "
                                           "WHERE framework_id = 'owasp_agentic_top10_2026'")[0]  # the default
    expect(tab).to_have_url(re.compile(rf"[?&]framework={framework_id}\b"))
    counts = dict(sql(dashboard_db, "SELECT status, count(*) FROM framework_status_estate WHERE framework_id = ? "
                                    "GROUP BY 1", framework_id))
    line = " · ".join(f"{counts.get(s, 0)} {s}" for s in ("passing", "failing", "unknown", "gap"))
    expect(tab.get_by_text(line, exact=True)).to_be_visible()
    expect_picked(tab, "Framework", name)
    expect(tab.locator(".gtitle").filter(has_text="Requirements x systems")).to_have_count(1)
    # the scores table (every framework, beside the requirements table) and the findings behind a requirement
    expect(tab.locator('[data-testid="stDataFrame"]')).to_have_count(3)
    photograph(tab, page, shots)


def test_explorer(tab: Page, server: Server, dashboard_db: Path, shots: Path,
                  capsys: pytest.CaptureFixture[str]) -> None:
    page = by_name("explorer")
    visit(tab, server, page, capsys)
    no_errors(tab, server)
    results, systems = sql(dashboard_db, "SELECT count(*), count(DISTINCT system_id) FROM findings "
                                         "WHERE status IN ('FAIL', 'UNKNOWN')")[0]
    expect(tab.get_by_text(f"{results} results · {systems} systems", exact=True)).to_be_visible()
    expect(tab).to_have_url(re.compile("status=FAIL&status=UNKNOWN"))  # the default filter, mirrored in the URL
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
    expect_picked(tab, "System", f"{system_id} — {name}")
    expect(tab.get_by_text("Verdict:", exact=False).first).to_be_visible()
    expect(tab.get_by_text(LABELS[verdict], exact=True).first).to_be_visible()
    expect(tab.get_by_text(f"Tier {tier}", exact=True)).to_be_visible()
    for heading in ("Agents and connectors", "Tools", "Credentials", "Delegation chain seen in the logs",
                    "Findings with evidence"):
        expect(tab.get_by_role("heading", name=heading)).to_be_visible()
    expect(tab).to_have_url(re.compile(rf"system={re.escape(system_id)}"))
    photograph(tab, page, shots)


def test_systems(tab: Page, server: Server, dashboard_db: Path, shots: Path,
                 capsys: pytest.CaptureFixture[str]) -> None:
    page = by_name("systems")
    visit(tab, server, page, capsys)
    no_errors(tab, server)
    systems = [r[0] for r in sql(dashboard_db, "SELECT system_id FROM verdicts ORDER BY tier, system_id")]
    expect(tab.get_by_text(f"{len(systems)} of {len(systems)} systems", exact=True)).to_be_visible()
    expect_table_column(tab, 1, [f"./system?system={s}" for s in systems])
    photograph(tab, page, shots)


def test_agents(tab: Page, server: Server, dashboard_db: Path, shots: Path,
                capsys: pytest.CaptureFixture[str]) -> None:
    page = by_name("agents")
    visit(tab, server, page, capsys)
    no_errors(tab, server)
    agents = sql(dashboard_db, "SELECT count(*) FROM (SELECT agent_id FROM agents UNION "
                               "SELECT agent_id FROM delegation_chain_coverage)")[0][0]
    expect(tab.get_by_text(f"{agents} agents · ", exact=False)).to_be_visible()
    photograph(tab, page, shots)


def test_remediation(tab: Page, server: Server, dashboard_db: Path, shots: Path,
                     capsys: pytest.CaptureFixture[str]) -> None:
    page = by_name("remediation")
    visit(tab, server, page, capsys)
    no_errors(tab, server)
    open_, overdue, unticketed = sql(dashboard_db, "SELECT count(*), count(*) FILTER (WHERE overdue), "
                                                   "count(*) FILTER (WHERE ticket IS NULL) FROM findings "
                                                   "WHERE status = 'FAIL' AND NOT suppressed")[0]
    expect_metrics(tab, {"Open findings": str(open_), "Overdue by tier SLA": str(overdue),
                         "Without a ticket": str(unticketed)})
    expect(tab.locator(".gtitle").filter(has_text="Open findings over runs")).to_have_count(1)
    photograph(tab, page, shots)


def test_exceptions(tab: Page, server: Server, dashboard_db: Path, shots: Path,
                    capsys: pytest.CaptureFixture[str]) -> None:
    page = by_name("exceptions")
    visit(tab, server, page, capsys)
    no_errors(tab, server)
    counts = dict(sql(dashboard_db, "SELECT state, count(*) FROM exceptions_audit GROUP BY 1"))
    expect_metrics(tab, {s.replace("_", " ").capitalize(): str(counts.get(s, 0))
                         for s in ("active", "expired", "unused", "invalid", "not_yet_active")})
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
    nav = tab.locator(SIDEBAR_LINKS)
    expect(nav).to_have_text([p.title for p in PAGES])
    for page in PAGES[1:] + PAGES[:1]:
        nav.filter(has=tab.get_by_text(page.title, exact=True)).click()
        expect_title(tab, page.title)
        expect(tab).to_have_url(re.compile(rf"^{re.escape(server.url)}/{page.path}(\?.*)?$"))
        no_errors(tab, server)
