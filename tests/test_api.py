"""The notebook API on the sample estate: same answers as the named views, parameters only, rich display."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import polars as pl
import pyarrow as pa
import pytest

from mcp_clearance import Estate, Filter
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
    # Filter values are parameters: a quote or SQL in a value is just a value that matches nothing
    assert estate.verdicts(system_id="x' OR '1'='1").empty
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
    assert estate.findings(requirement="owasp_mcp_top10_2025 no-such-requirement").empty


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
    with pytest.raises(KeyError, match="no view named"):
        estate.view("not_a_view")


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
    with pytest.raises(KeyError):
        estate.figure("no_such_figure")


def test_filters_name_their_valid_values(estate: Estate, sample_db: Path) -> None:
    # gates by name or by their G1/G2/G3 names
    same(estate.gates(gate="G3"), estate.gates(gate="audit"))
    same(estate.findings(gate=["g1", "scope"]), estate.findings(gate=["identity", "scope"]))
    with pytest.raises(ValueError, match="gate='network' is not valid; choose from identity, scope, audit"):
        estate.findings(gate="network")
    with pytest.raises(ValueError, match="choose from 1, 2, 3, 4"):
        estate.verdicts(tier=7)
    with pytest.raises(ValueError, match="status='OPEN' is not valid"):
        estate.findings(status="OPEN")
    with pytest.raises(TypeError, match="unknown filter 'team_name'; filters are tier, "):
        estate.verdicts(team_name="payments")
    # verdicts(verdict=...) narrows to that verdict, read-only written either way
    same(estate.verdicts(verdict="read-only"),
         plain(sample_db, "SELECT * FROM verdicts WHERE verdict = 'READ_ONLY' ORDER BY tier, system_id"))
    with pytest.raises(KeyError, match="no framework 'owasp_top_ten'; choose from "):
        estate.framework_status("owasp_top_ten")


def test_figures_do_not_import_the_api() -> None:
    source = (ROOT / "mcp_clearance" / "figures.py").read_text()
    assert "mcp_clearance.api" not in source and "from mcp_clearance import" not in source


def test_notebook_display_and_board_summary(estate: Estate) -> None:
    s = estate.summary().iloc[0]
    html = estate._repr_html_()
    assert f"<td>{s['blocked']}</td>" in html and "insufficient evidence" in html
    assert f"{s['cleared']} cleared" in repr(estate)
    text = estate.board_summary()
    assert f"{s['cleared']} of {s['systems']} systems are cleared" in text
    assert "nan" not in text


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseProblem, match="mcp-clearance run"):
        Estate.open(tmp_path / "nothing.duckdb")


def test_docs_views_md_is_generated_from_the_views() -> None:
    docs = ROOT / "docs" / "views.md"
    assert docs.exists() and docs.read_text() == render(), f"docs/views.md is out of date; run `{REGENERATE}`"
