"""The board report (`report --format html`) on the sample estate: every number from the views, one printed page."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from mcp_clearance import board_report, report

ROOT = Path(__file__).resolve().parent.parent
PNG = ROOT / "docs" / "board-report.png"
SNAKE_CASE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")

pytestmark = pytest.mark.usefixtures("sample_db")


class _Text(HTMLParser):
    """The text a reader sees: everything outside <style> and <title> (SVG tooltips included)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("style", "head")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "head")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def section(html: str, name: str) -> str:
    match = re.search(rf'<section id="{name}">(.*?)</section>', html, re.S)
    assert match, f"no section {name}"
    return visible_text(match.group(1))


@pytest.fixture(scope="module")
def con(sample_db: Path) -> duckdb.DuckDBPyConnection:
    connection = report.open_database(sample_db)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def html(con: duckdb.DuckDBPyConnection) -> str:
    return report.render(con, "html")


def test_verdict_totals_are_the_counts_of_the_verdicts_view(con: duckdb.DuckDBPyConnection, html: str) -> None:
    for verdict in ("BLOCKED", "READ_ONLY", "CLEARED"):
        raw, after_risk = con.execute("SELECT count(*) FILTER (WHERE verdict = ?), "
                                      "count(*) FILTER (WHERE verdict_after_risk = ?) FROM verdicts",
                                      [verdict, verdict]).fetchone()
        tile = re.search(rf'data-verdict="{verdict}"[^>]*>(.*?)</div>\s*</div>', html, re.S)
        assert tile, verdict
        text = visible_text(tile.group(1))
        assert text.startswith(f"{raw} "), text
        assert f"after accepted risk: {after_risk}" in text
    # the trend compares with the previous run of the history: the sample's eight earlier runs are there
    previous = con.execute("SELECT max(as_of) FROM runs WHERE as_of < (SELECT as_of FROM run_context)").fetchone()[0]
    assert f"since {previous.isoformat()}" in section(html, "verdicts")
    runs = con.execute("SELECT count(DISTINCT as_of) FROM verdict_history").fetchone()[0]
    assert f"Trend over {runs} runs" in section(html, "verdicts")


def test_every_tier1_system_is_listed_with_its_verdict(con: duckdb.DuckDBPyConnection, html: str) -> None:
    tier1 = con.execute("SELECT system_id, verdict, verdict_after_risk FROM verdicts WHERE tier = 1").fetchall()
    assert tier1
    words = {"BLOCKED": "Blocked", "READ_ONLY": "Read-only", "CLEARED": "Cleared"}
    for system_id, verdict, after_risk in tier1:
        row = re.search(rf'<tr data-system="{re.escape(system_id)}">(.*?)</tr>', html, re.S)
        assert row, system_id
        text = visible_text(row.group(1))
        assert f"{words[verdict]} {words[after_risk]}" in text, text
    listed = re.findall(r'<tr data-system="([^"]+)">', html)
    assert len(listed) == len(tier1)  # nothing but tier 1 in that table


def test_the_top_fixes_are_those_of_fix_impact_with_the_systems_they_move(con: duckdb.DuckDBPyConnection,
                                                                          html: str) -> None:
    fixes = section(html, "fixes")
    best = con.execute("SELECT max(systems_moved) FROM fix_impact").fetchone()[0]
    top = con.execute("SELECT check_id, title, systems_moved_ids FROM fix_impact WHERE systems_moved = ?",
                      [best]).fetchall()
    assert best > 0 and len(top) == 1, "the sample estate has one fix that moves the most systems"
    check_id, title, moved = top[0]
    shown = re.findall(r"check ([A-Z]{2}-\d{2}) · ", fixes)
    assert len(shown) == 5 and len(set(shown)) == 5
    assert shown[0] == check_id and f"check {check_id} · {title}" in fixes
    first_row = fixes.split(f"check {shown[1]} · ")[0]
    assert f"{best} to " in first_row and all(system_id in first_row for system_id in moved)
    # a fix that moves no system on its own is not "what to fund first"
    assert not set(shown) & {c for (c,) in con.execute("SELECT check_id FROM fix_impact WHERE systems_moved = 0")
                              .fetchall()}


def test_systems_without_evidence_are_named(con: duckdb.DuckDBPyConnection, html: str) -> None:
    evidence = section(html, "evidence")
    lacking_audit = [s for (s,) in con.execute(
        "SELECT system_id FROM system_evidence WHERE NOT list_contains(evidence_present, 'audit')").fetchall()]
    lacking_credentials = [s for (s,) in con.execute(
        "SELECT system_id FROM system_evidence WHERE NOT list_contains(evidence_present, 'credentials')").fetchall()]
    assert lacking_audit and lacking_credentials, "the sample estate has systems without audit logs and credentials"
    audit_line = re.search(r"No audit logs \((\d+)\): ([^.]*?)(?= No |$| On average)", evidence)
    assert audit_line and int(audit_line.group(1)) == len(lacking_audit)
    assert all(s in audit_line.group(2) for s in lacking_audit)
    assert all(s in evidence for s in lacking_credentials)
    for (system_id,) in con.execute("SELECT system_id FROM verdicts WHERE insufficient_evidence").fetchall():
        assert system_id in evidence.split("Blocked for want of evidence")[1]


def test_expiring_exceptions_are_the_active_ones_due_within_30_days(con: duckdb.DuckDBPyConnection,
                                                                    html: str) -> None:
    exceptions = section(html, "exceptions")
    expiring = {e for (e,) in con.execute("SELECT exception_id FROM exceptions_audit WHERE state IN "
                                          "('active', 'unused') AND days_to_expiry BETWEEN 0 AND 30").fetchall()}
    others = {e for (e,) in con.execute("SELECT exception_id FROM exceptions_audit").fetchall()} - expiring
    assert expiring and others
    assert set(re.findall(r"EXC-\d{4}-\d{3}", exceptions)) == expiring


def test_the_page_reads_as_words_and_loads_nothing(html: str, sample_db: Path) -> None:
    text = visible_text(html)
    assert "None" not in text and "nan" not in text.split()
    assert not SNAKE_CASE.findall(text), SNAKE_CASE.findall(text)
    assert not re.search(r"\d{2}:\d{2}", text), "dates are shown without times"
    assert str(sample_db.parent) not in html and "/tmp" not in html
    # self-contained: no script, stylesheet, font, image or link to anywhere
    for outside in ("<script", "http://", "https://", "src=", "<link", "@import", "url("):
        assert outside not in html, outside
    # printable: page rules for the paper, and sections never split across pages
    assert "@page" in html and "break-inside: avoid" in html


def test_every_value_is_html_escaped(con: duckdb.DuckDBPyConnection) -> None:
    data = board_report.board_data(con)
    hostile = '<img src=x onerror="alert(1)">&'
    data["tier1"]["systems"][0]["system_name"] = hostile
    html = board_report.environment().get_template(board_report.TEMPLATE).render(**data)
    assert hostile not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;" in html


def test_cli_writes_the_html_report(sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "board.html"
    proc = subprocess.run([sys.executable, "-m", "mcp_clearance.cli", "report", "--db", str(sample_db),
                           "--format", "html", "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.e2e
def test_it_prints_on_one_page_and_renders_to_png_in_headless_chromium(html: str) -> None:
    from dashboard_browser import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium"
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1200}, device_scale_factor=1.5)
            page.on("request", lambda r: requests.append(r.url))
            page.set_content(html, wait_until="load")
            for paper in ("A4", "Letter"):
                pdf = page.pdf(format=paper, print_background=True)
                pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
                assert pages == 1, f"the board report prints on {pages} {paper} pages"
            page.emulate_media(media="screen")
            PNG.parent.mkdir(exist_ok=True)
            page.locator("main").screenshot(path=str(PNG))
        finally:
            browser.close()
    assert requests == [], requests
    width, height = int.from_bytes(PNG.read_bytes()[16:20], "big"), int.from_bytes(PNG.read_bytes()[20:24], "big")
    assert width > 1000 and 1.2 < height / width < 1.5, (width, height)  # one portrait sheet
