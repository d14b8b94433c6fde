"""The notebook API on the sample estate: same answers as the named views, parameters only, rich display."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import polars as pl
import pyarrow as pa
import pytest

from mcp_clearance import Estate, Filter
from mcp_clearance.api import UnknownValue
from mcp_clearance.report import DatabaseProblem
from mcp_clearance.view_catalog import REGENERATE, render

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def estate(sample_db: Path) -> Estate:
    with Estate.open(sample_db) as opened:
        yield opened


def plain(db: Path, query: str, *params: object) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, list(params)).df()


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    def plain_values(frame: pd.DataFrame) -> pd.DataFrame:
        # a missing string is None in one pandas string dtype and NaN in another: the value is the same
        frame = frame.reset_index(drop=True).astype(object)
        return frame.where(frame.notna(), None)

    pd.testing.assert_frame_equal(plain_values(a), plain_values(b), check_dtype=False)


def test_api_answers_are_the_views_read_with_plain_duckdb(estate: Estate, sample_db: Path) -> None:
    same(estate.verdicts(), plain(sample_db, "SELECT * FROM verdicts ORDER BY tier, system_id"))
    same(estate.summary(), plain(sample_db, "SELECT * FROM estate_summary"))
    same(estate.gates(gate="audit"),
         plain(sample_db, "SELECT * FROM gate_matrix WHERE gate = 'audit' ORDER BY tier, system_id"))
    same(estate.credentials(tier=1),
         plain(sample_db, "SELECT * FROM credential_lifetimes WHERE tier = 1 "
                           "ORDER BY system_id, agent_id, source_format, credential_id"))
    same(estate.framework_status("owasp_mcp_top10_2025"),
         plain(sample_db, "SELECT * FROM framework_status_estate WHERE framework_id = ? ORDER BY position",
               "owasp_mcp_top10_2025"))


def test_filters_narrow_on_the_columns_a_view_has(estate: Estate) -> None:
    tier1_finance = estate.verdicts(tier=1, business_unit="Finance")
    assert len(tier1_finance) > 0
    assert set(tier1_finance["tier"]) == {1} and set(tier1_finance["business_unit"]) == {"Finance"}
    both = estate.verdicts(tier=[1, 2])
    assert set(both["tier"]) == {1, 2}
    failing = estate.findings(gate="scope", status="FAIL", include_suppressed=False)
    assert len(failing) > 0 and set(failing["gate"]) == {"scope"} and not failing["suppressed"].any()
    assert len(estate.findings(status="FAIL")) > len(failing)
    # Filter values are parameters: SQL in a value is a value the run does not have (the question methods say so),
    # or one that matches nothing (view(), which the dashboard hands one set of filters for many views)
    with pytest.raises(UnknownValue, match="system_id=\"x' OR '1'='1\" is not valid"):
        estate.verdicts(system_id="x' OR '1'='1")
    assert estate.view("verdicts", Filter(owner="'; DROP TABLE systems; --")).empty
    assert len(estate.verdicts()) == 36


def test_findings_by_framework_requirement(estate: Estate, sample_db: Path) -> None:
    requirement = "owasp_mcp_top10_2025 MCP01:2025"
    got = estate.findings(requirement=requirement)
    want = plain(sample_db, "SELECT * FROM findings WHERE status IN ('FAIL', 'UNKNOWN') AND check_id IN "
                            "(SELECT check_id FROM framework_requirements "
                            " WHERE framework_id || ' ' || requirement_id = ?) "
                            "ORDER BY system_id, check_id, resource", requirement)
    assert len(want) > 0
    same(got, want)
    with pytest.raises(UnknownValue, match=r"requirement of owasp_mcp_top10_2025='MCP1:2025' is not valid "
                                           r"\(did you mean .*'MCP01:2025'.*\); choose from MCP01:2025, MCP02:2025"):
        estate.findings(requirement="owasp_mcp_top10_2025 MCP1:2025")
    with pytest.raises(UnknownValue, match="framework='owasp_mcp' is not valid"):
        estate.findings(requirement="owasp_mcp MCP01:2025")


def test_default_findings_are_the_open_questions(estate: Estate) -> None:
    assert set(estate.findings()["status"]) == {"FAIL", "UNKNOWN"}


def test_sql_arrow_and_polars_take_parameters(estate: Estate) -> None:
    query = "SELECT system_id FROM verdicts WHERE verdict = ? ORDER BY 1"
    frame = estate.sql(query, ["CLEARED"])
    table = estate.arrow(query, ["CLEARED"])
    assert isinstance(table, pa.Table) and table.column("system_id").to_pylist() == frame["system_id"].tolist()
    polars_frame = estate.polars(query, ["CLEARED"])
    assert isinstance(polars_frame, pl.DataFrame) and polars_frame["system_id"].to_list() == frame["system_id"].tolist()
    assert len(frame) == int(estate.summary().iloc[0]["cleared"])


def test_views_lists_every_query_file(estate: Estate) -> None:
    listed = set(estate.views()["view"])
    assert listed == {p.stem for p in (ROOT / "queries").glob("*.sql")}
    with pytest.raises(UnknownValue, match="view='verdict' is not valid \\(did you mean 'verdicts'"):
        estate.view("verdict")


def test_figures_are_plotly_figures_of_the_same_numbers(estate: Estate) -> None:
    fig = estate.figure("verdicts_by_tier")
    assert isinstance(fig, go.Figure)
    plotted = sum(sum(trace.y) if trace.orientation != "h" else sum(trace.x) for trace in fig.data)
    assert plotted == len(estate.verdicts())
    assert isinstance(estate.figure("credential_lifetimes", system_id="legacy-erp"), go.Figure)
    audit = estate.figure("gate_matrix", gate="audit").data[0]
    expected = estate.gates(gate="audit")
    assert list(audit.x) == ["audit"] and list(audit.y) == expected["system_id"].tolist()
    assert [row[0] for row in audit.text] == expected["status"].tolist()
    with pytest.raises(UnknownValue, match="figure='gates' is not valid; choose from verdicts_by_tier, "):
        estate.figure("gates")
    with pytest.raises(UnknownValue, match="framework='owasp' is not valid"):
        estate.figure("framework_status", framework_id="owasp")


def test_closed_filters_name_every_valid_value(estate: Estate) -> None:
    with pytest.raises(UnknownValue, match=r"^gate='network' is not valid; choose from identity, scope, audit "
                                           r"\(or G1, G2, G3\)$"):
        estate.findings(gate="network")
    with pytest.raises(UnknownValue, match=r"^tier=7 is not valid; choose from 1, 2, 3, 4$"):
        estate.verdicts(tier=7)
    with pytest.raises(UnknownValue, match=r"^verdict='BLOKED' is not valid \(did you mean 'BLOCKED'\?\); "
                                           r"choose from CLEARED, READ_ONLY, BLOCKED$"):
        estate.verdicts(verdict="bloked")
    with pytest.raises(UnknownValue, match=r"^status='OPEN' is not valid; choose from PASS, FAIL, UNKNOWN, "
                                           r"NOT_APPLICABLE$"):
        estate.findings(status="OPEN")
    with pytest.raises(UnknownValue,
                       match=r"^severity='urgent' is not valid; choose from critical, high, medium, low$"):
        estate.findings(severity="urgent")
    with pytest.raises(ValueError):  # UnknownValue is a ValueError (and a LookupError) for callers that catch those
        estate.gates(gate=["audit", "G4"])


def test_closed_filters_accept_the_names_people_write(estate: Estate, sample_db: Path) -> None:
    # gates by name or by their G1/G2/G3 names, verdicts and statuses in any case, tiers as text
    same(estate.gates(gate="G3"), estate.gates(gate="audit"))
    same(estate.findings(gate=["g1", "scope"]), estate.findings(gate=["identity", "scope"]))
    same(estate.findings(status="fail"), estate.findings(status="FAIL"))
    same(estate.findings(severity="HIGH"),
         plain(sample_db, "SELECT * FROM findings WHERE severity = 'high' AND status IN ('FAIL', 'UNKNOWN') "
                          "ORDER BY system_id, check_id, resource"))
    same(estate.verdicts(tier="1"), plain(sample_db, "SELECT * FROM verdicts WHERE tier = 1 ORDER BY tier, system_id"))


@pytest.mark.parametrize("written, stored", [("CLEARED", "CLEARED"), ("read-only", "READ_ONLY"),
                                             ("read_only", "READ_ONLY"), ("Blocked", "BLOCKED")])
def test_verdicts_narrow_to_a_verdict(estate: Estate, sample_db: Path, written: str, stored: str) -> None:
    want = plain(sample_db, "SELECT * FROM verdicts WHERE verdict = ? ORDER BY tier, system_id", stored)
    assert len(want) > 0, "the sample estate has systems at every stage"
    same(estate.verdicts(verdict=written), want)


def test_verdict_filter_combines_with_the_others(estate: Estate, sample_db: Path) -> None:
    want = plain(sample_db, "SELECT * FROM verdicts WHERE verdict IN ('BLOCKED', 'READ_ONLY') AND tier = 1 "
                            "ORDER BY tier, system_id")
    assert len(want) > 0
    same(estate.verdicts(verdict=["blocked", "read-only"], tier=1), want)
    counts = plain(sample_db, "SELECT cleared, read_only, blocked FROM estate_summary").iloc[0]
    assert [len(estate.verdicts(verdict=v)) for v in ("CLEARED", "READ_ONLY", "BLOCKED")] == counts.tolist()


@pytest.mark.parametrize("method, name, column, query", [
    ("verdicts", "system_id", "system_id", "SELECT system_id FROM systems"),
    ("verdicts", "business_unit", "business_unit", "SELECT DISTINCT business_unit FROM systems"),
    ("verdicts", "team", "team", "SELECT DISTINCT team FROM systems"),
    ("verdicts", "owner", "owner", "SELECT DISTINCT owner FROM systems"),
    ("verdicts", "environment", "environment", "SELECT DISTINCT environment FROM systems"),
    ("findings", "check_id", "check_id", "SELECT check_id FROM check_catalog"),
])
def test_open_filters_are_checked_against_the_run_with_did_you_mean(estate: Estate, sample_db: Path, method: str,
                                                                    name: str, column: str, query: str) -> None:
    known = sorted(plain(sample_db, query).iloc[:, 0])
    assert estate.values(name) == known
    real = known[len(known) // 2]
    typo = real[:-1] if len(real) > 4 else real + "x"  # one character off a real value
    with pytest.raises(UnknownValue) as raised:
        getattr(estate, method)(**{name: typo})
    message = str(raised.value)
    assert message.startswith(f"{name}={typo!r} is not valid (did you mean ") and repr(real) in message
    assert all(v in message for v in known[:12]), "the error names the valid values"
    # the real value narrows to exactly its rows
    got = getattr(estate, method)(**{name: real})
    assert len(got) > 0 and set(got[column]) == {real}


def test_a_misspelt_value_is_matched_ignoring_case(estate: Estate) -> None:
    with pytest.raises(UnknownValue, match=r"business_unit='finance' is not valid \(did you mean 'Finance'\?\)"):
        estate.verdicts(business_unit="finance")
    with pytest.raises(UnknownValue, match=r"check_id='au-2' is not valid \(did you mean 'AU-02'"):
        estate.findings(check_id="au-2")


def test_a_filter_the_question_cannot_apply_raises(estate: Estate) -> None:
    with pytest.raises(TypeError, match=r"^verdicts has no gate to filter on; it takes tier, business_unit, team, "
                                        r"owner, environment, system_id, verdict$"):
        estate.verdicts(gate="audit")
    with pytest.raises(TypeError, match="delegation_chain_coverage has no verdict to filter on"):
        estate.delegation_coverage(verdict="BLOCKED")
    with pytest.raises(TypeError, match=r"unknown filter 'team_name' \(did you mean 'team'\?\); filters are tier, "):
        estate.verdicts(team_name="payments")
    with pytest.raises(UnknownValue, match="filter='color' is not valid"):
        estate.values("color")


def test_every_system_argument_is_checked(estate: Estate) -> None:
    for call in (lambda: estate.path_to_clearance("legacy-erpp"), lambda: estate.tool_calls("legacy-erpp"),
                 lambda: estate.framework_status("owasp_mcp_top10_2025", "legacy-erpp"),
                 lambda: estate.credentials(system_id="legacy-erpp"),
                 lambda: estate.figure("credential_lifetimes", system_id="legacy-erpp")):
        with pytest.raises(UnknownValue, match=r"system_id='legacy-erpp' is not valid \(did you mean 'legacy-erp'"):
            call()


def test_unknown_framework_raises_naming_the_frameworks(estate: Estate, sample_db: Path) -> None:
    known = sorted(plain(sample_db, "SELECT DISTINCT framework_id FROM framework_requirements")["framework_id"])
    with pytest.raises(UnknownValue,
                       match=f"^framework='owasp_top_ten' is not valid.*; choose from {', '.join(known)}$"):
        estate.framework_status("owasp_top_ten")


def test_figures_do_not_import_the_api() -> None:
    source = (ROOT / "mcp_clearance" / "figures.py").read_text()
    assert "mcp_clearance.api" not in source and "from mcp_clearance import" not in source


def test_notebook_display_and_board_summary(estate: Estate, sample_db: Path) -> None:
    s = estate.summary().iloc[0]
    shown = estate._repr_html_()
    assert f"<td>{s['blocked']}</td>" in shown and "insufficient evidence" in shown
    assert f"{s['cleared']} cleared" in repr(estate)
    # the file is named, not the machine path it sits at (a home or temporary folder)
    assert sample_db.name in shown and str(sample_db.parent) not in shown + repr(estate)
    text = estate.board_summary()
    assert f"{s['cleared']} of {s['systems']} systems are cleared" in text
    assert "nan" not in text


def cells(shown: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", shown, re.S)


def test_tables_read_like_the_dashboard(estate: Estate) -> None:
    findings = estate.findings(system_id="legacy-erp")
    table = estate.show(findings)
    shown = table._repr_html_()
    headers = cells(shown, "th")
    assert len(headers) == len(findings.columns) - 2, "the md5 finding id goes, the title joins its check"
    assert headers and not [h for h in headers if "_" in h], "labels, never column names"
    values = [re.sub(r"<[^>]+>", "", c) for c in cells(shown, "td")]
    assert not {"None", "nan", "NaN", "NaT", "<NA>"} & set(values), "a dash for a missing value"
    assert not re.search(r"\b[0-9a-f]{32}\b", shown), "no md5-like ids"
    for check_id, title in findings[["check_id", "title"]].drop_duplicates().itertuples(index=False):
        assert html.escape(f"check {check_id} · {title}") in shown, "a check always with its title"
    assert "white-space:normal" in shown, "long text wraps"
    plain_text = repr(table)
    assert "Check" in plain_text and "finding_id" not in plain_text and "None" not in plain_text


def test_tables_colour_verdicts_and_write_them_out(estate: Estate) -> None:
    verdicts = estate.verdicts()
    shown = estate.show(verdicts, ["system_id", "verdict"])._repr_html_()
    blocked = re.findall(r"<span style='background:(#[0-9A-F]{6})[^']*'>Blocked</span>", shown)
    assert len(blocked) == (verdicts["verdict"] == "BLOCKED").sum() and set(blocked) == {"#D55E00"}
    assert shown.count(">Read-only</span>") == (verdicts["verdict"] == "READ_ONLY").sum()
    assert shown.count(">Cleared</span>") == (verdicts["verdict"] == "CLEARED").sum()


def test_tables_show_shares_durations_and_check_lists_in_words(estate: Estate, sample_db: Path) -> None:
    coverage = estate.delegation_coverage()
    frame = estate.show(coverage, ["system_id", "agent_id", "user_share"]).frame
    assert list(frame.columns) == ["System", "Agent", "Delegated user logged"]
    assert frame["Delegated user logged"].tolist() == [f"{v:.0%}" for v in coverage["user_share"]]
    credentials = estate.show(estate.credentials(), ["lifetime_s", "max_credential_lifetime_s"]).frame
    assert credentials.map(lambda v: bool(re.fullmatch(r"—|\d+(\.\d)? (s|min|h|days)", v))).all().all()
    row = plain(sample_db, "SELECT failing_checks FROM verdicts WHERE system_id = 'legacy-erp'").iloc[0, 0]
    titles = dict(plain(sample_db, "SELECT check_id, title FROM check_catalog").itertuples(index=False))
    listed = estate.show(estate.verdicts(system_id="legacy-erp"), ["failing_checks"]).frame.iloc[0, 0]
    assert listed == "; ".join(f"check {c} · {titles[c]}" for c in row)
    with pytest.raises(ValueError, match="no column 'failing' to show"):
        estate.show(coverage, ["failing"])


def test_charts_carry_an_interactive_figure_and_a_static_image(estate: Estate) -> None:
    bundle = estate.chart("verdicts_by_tier")._repr_mimebundle_()
    figure = bundle["application/vnd.plotly.v1+json"]

    def numbers(array: object) -> list[int]:  # plotly's JSON carries numeric arrays as typed base64
        if isinstance(array, dict):
            return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
        return list(array)

    plotted = sum(sum(numbers(trace["y"])) for trace in figure["data"])
    assert plotted == len(estate.verdicts())
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG\r\n"), "a PNG for GitHub and nbconvert"
    assert "text/html" not in bundle, "renderers without plotly fall back to the image, not an empty script"


def test_a_chart_without_a_browser_still_draws_and_says_why(estate: Estate, monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium-here"))
    bundle = estate.chart("verdicts_by_tier")._repr_mimebundle_()
    assert "application/vnd.plotly.v1+json" in bundle and "image/png" not in bundle
    assert "no static image" in bundle["text/plain"]


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseProblem, match="mcp-clearance run"):
        Estate.open(tmp_path / "nothing.duckdb")


def test_docs_views_md_is_generated_from_the_views() -> None:
    docs = ROOT / "docs" / "views.md"
    assert docs.exists() and docs.read_text() == render(), f"docs/views.md is out of date; run `{REGENERATE}`"
