"""The dashboard's pages under `streamlit.testing` (AppTest), on the real sample estate.

Every page is run inside the app (`main(start="posture")` serves that page at the root), with
MCP_CLEARANCE_DB pointing at a database made by the real pipeline, and what it shows is compared with the
views read directly with duckdb from the same file. app.py itself is run too (its root opens Posture); the
browser test (tests/test_e2e.py) opens every page by its URL and follows the links between them.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from mcp_clearance.dashboard import data
from mcp_clearance.dashboard.style import LABELS
from mcp_clearance.figures import VERDICT_COLOURS
from mcp_clearance.run import run
from mcp_clearance.sample_estate import planted_secrets

ROOT = Path(__file__).parent.parent
FRAMEWORK_FILES = sorted(p.stem for p in (ROOT / "frameworks").glob("*.yaml"))
PAGES = {  # module -> title
    "posture": "Posture", "systems": "Systems", "agents": "Agents", "frameworks": "Frameworks",
    "explorer": "Explorer", "system": "System", "remediation": "Remediation", "exceptions": "Exceptions",
    "data_page": "Data",
}
TILES = ("Cleared", "Read-only", "Blocked", "Evidence coverage", "Exceptions expiring ≤ 30 days")
# generous: the first System page of a run joins the whole audit trail (see the report to the lead); CI is slow
TIMEOUT = 120
EXPLORER_ORDER = "ORDER BY tier, system_id, check_id, resource"
OPEN = "status IN ('FAIL', 'UNKNOWN')"  # the Explorer's default status filter


# -- helpers ---------------------------------------------------------------------------------------------------


def page(module: str) -> AppTest:
    """The app with `module` as the page at the root URL: the page runs inside the app's navigation, so its links
    to other pages resolve as in the browser."""
    return AppTest.from_string(f"from mcp_clearance.dashboard.app import main\nmain(start={module!r})\n",
                               default_timeout=TIMEOUT)


def rendered(target: Any) -> AppTest:
    """Run (or rerun, after a widget change) and insist nothing raised: an exception element is a failure."""
    at: AppTest = target.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sql(db: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def one(db: Path, query: str, *params: Any) -> Any:
    return sql(db, query, *params)[0][0]


def cells(frame: pd.DataFrame, columns: list[str]) -> list[tuple[Any, ...]]:
    """Rows of a shown table as plain tuples (missing values as None), to compare with SQL rows."""
    plain = frame[columns].astype(object)
    return [tuple(None if pd.isna(v) else v for v in row) for row in plain.itertuples(index=False)]


def table(at: AppTest, *columns: str) -> pd.DataFrame:
    """The one table on the page whose columns start with `columns` (st.dataframe keys are not exposed)."""
    found = [d.value for d in at.dataframe if list(d.value.columns[:len(columns)]) == list(columns)]
    assert len(found) == 1, f"expected one table with columns {columns}, got {len(found)}"
    return found[0]


def system_of(link: str) -> str:
    """The system a System-page link opens (the Systems and Explorer tables link every row)."""
    return link.removeprefix("./system?system=")


def check_of(label: str) -> str:
    """The check id of a "check AU-02 · title" label."""
    return label.removeprefix("check ").split(" · ")[0]


def finding_keys(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(system, check, resource) of each row of a findings table that shows links and check labels."""
    return [(system_of(link), check_of(check), resource)
            for link, check, resource in zip(frame["link"], frame["check"], frame["resource"], strict=True)]


def links(at: AppTest) -> dict[str, tuple[str, str]]:
    """Page links on the page: label -> (page URL path, query string)."""
    return {el.proto.label: (el.proto.page, el.proto.query_string) for el in at.get("page_link")}


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def charts(at: AppTest) -> dict[str, dict[str, Any]]:
    """Plotly figures on the page by title, as the JSON the browser receives."""
    specs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    return {spec["layout"]["title"]["text"]: spec for spec in specs}


def numbers(values: Any) -> list[float]:
    """A plotly array: a plain list, or numpy's typed array (base64 `bdata`) as plotly 6+ writes it."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def as_list(value: str | list[str] | None) -> list[str]:
    """AppTest.query_params gives one value as str and repeated ones as a list."""
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def status_line(counts: dict[str, int]) -> str:
    """The Frameworks page's count line."""
    return " · ".join(f"{counts.get(s, 0)} {s}" for s in ("passing", "failing", "unknown", "gap"))


def share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


@pytest.fixture
def db(dashboard_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(data.DB_ENV, str(dashboard_db))
    return dashboard_db


def publish(estate: Path, db: Path, as_of: date) -> Path:
    run(estate, db, as_of=as_of)
    return db


INVENTORY_ONE_SYSTEM = """\
systems:
  - id: lonely-system
    name: Lonely system
    owner: ana@example.org
    team: platform
    business_unit: Engineering
    environment: production
    data_classes: [internal]
"""


# -- every page on the sample estate ---------------------------------------------------------------------------


def test_posture_tiles_board_summary_and_charts_are_the_views_numbers(db: Path) -> None:
    at = rendered(page("posture"))
    s = sql(db, "SELECT as_of, systems, cleared, read_only, blocked, insufficient_evidence, evidence_coverage, "
                "exceptions_expiring_30d, cleared_after_risk, read_only_after_risk, blocked_after_risk "
                "FROM estate_summary")[0]
    as_of, systems, cleared, read_only, blocked, insufficient, coverage, expiring, *after_risk = s
    assert [t.value for t in at.title] == ["Posture"]
    assert metrics(at) == {
        "Cleared": str(cleared), "Read-only": str(read_only), "Blocked": str(blocked),
        "Evidence coverage": share(coverage), "Exceptions expiring ≤ 30 days": str(expiring),
    }
    assert cleared + read_only + blocked == systems == 36, "the tiles add up to the estate"
    # insufficient evidence is part of Blocked, and each tile opens the systems it counts
    assert links(at)[f"of which {insufficient} lack evidence"] == ("systems", "evidence=insufficient")
    assert links(at)["See blocked systems"] == ("systems", "verdict=BLOCKED")
    assert links(at)["See cleared systems"] == ("systems", "verdict=CLEARED")
    assert at.caption[0].value == f"As of {as_of.isoformat()} · {systems} systems"
    assert all(str(db) not in c.value and str(db.parent) not in c.value for c in at.caption), "no temp paths"
    assert at.caption[1].value.startswith("After accepted risk: {} cleared · {} read-only · {} blocked".format(
        *after_risk))
    assert at.info[0].value.startswith(f"As of {as_of.isoformat()}, {cleared} of {systems} systems are cleared")

    figs = charts(at)
    assert set(figs) == {"Verdicts by tier", "Verdicts by business unit", "Checks failing on the most systems",
                         "Systems x gates"}
    by_tier = {t["name"]: sum(numbers(t["y"])) for t in figs["Verdicts by tier"]["data"]}
    expected = dict(sql(db, "SELECT verdict, count(*) FROM verdicts GROUP BY verdict"))
    assert by_tier == expected
    # each verdict tile draws its trend: one point per run, history included, oldest first, ending on this run
    history = sql(db, "SELECT cleared, read_only, blocked FROM trend_per_run ORDER BY as_of")
    assert len(history) == one(db, "SELECT count(*) FROM runs") > 1
    trends = {m.label: list(m.proto.chart_data) for m in at.metric if m.proto.chart_data}
    assert trends == {name: [row[i] for row in history]
                      for i, name in enumerate(("Cleared", "Read-only", "Blocked"))}
    assert [trends[n][-1] for n in ("Cleared", "Read-only", "Blocked")] == [cleared, read_only, blocked]
    assert len(figs["Systems x gates"]["data"][0]["y"]) == systems
    # the colours are fixed per verdict
    for trace in figs["Verdicts by tier"]["data"] + figs["Verdicts by business unit"]["data"]:
        assert trace["marker"]["color"] == VERDICT_COLOURS[trace["name"]]


def test_app_py_navigation_opens_posture_by_default(db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    rendered(at)
    assert [t.value for t in at.title] == ["Posture"]
    assert metrics(at)["Blocked"] == str(one(db, "SELECT blocked FROM estate_summary"))
    assert len(at.get("plotly_chart")) == 4  # tier, business unit, top failing checks, the gate matrix
    # the sidebar lists every page
    assert [label for label, (path, _) in links(at).items() if label in PAGES.values()] == list(PAGES.values())


def test_with_an_oidc_provider_configured_nothing_shows_before_sign_in(db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "clearance", "client_secret": "s",
                          "server_metadata_url": "https://login.example.com/.well-known/openid-configuration"}
    rendered(at)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.get("plotly_chart") and not at.dataframe


@pytest.mark.parametrize("framework_id", FRAMEWORK_FILES)
def test_frameworks_page_shows_every_requirement_of_each_shipped_framework(db: Path, framework_id: str) -> None:
    at = rendered(page("frameworks"))
    picker = at.selectbox(key="framework")
    assert sorted(picker.options) == sorted(
        r[0] for r in sql(db, "SELECT DISTINCT framework_name FROM framework_requirements")), "one per file"
    assert len(picker.options) == len(FRAMEWORK_FILES)
    rendered(picker.set_value(framework_id))

    assert at.query_params["framework"] == framework_id
    counts = dict(sql(db, "SELECT status, count(*) FROM framework_status_estate WHERE framework_id = ? GROUP BY 1",
                      framework_id))
    assert sum(counts.values()) == one(
        db, "SELECT count(DISTINCT requirement_id) FROM framework_requirements WHERE framework_id = ?", framework_id)
    assert status_line(counts) in [c.value for c in at.caption]
    shown = table(at, "requirement_id", "status")
    assert sorted(cells(shown, ["requirement_id", "status"])) == sorted(
        sql(db, "SELECT requirement_id, status FROM framework_status_estate WHERE framework_id = ?", framework_id))
    # systems failing (and unknown) per requirement, columns of the table: counted here from the per-system statuses
    per_system = sql(db, "SELECT requirement_id, count(*) FILTER (WHERE status = 'failing'), "
                         "count(*) FILTER (WHERE status = 'unknown') FROM framework_status "
                         "WHERE framework_id = ? GROUP BY 1", framework_id)
    failing = {r: f for r, f, _ in per_system}
    assert dict(zip(shown["requirement_id"], shown["systems_failing"], strict=True)) == failing
    assert dict(zip(shown["requirement_id"], shown["systems_unknown"], strict=True)) == {r: u for r, _, u in per_system}
    figs = charts(at)
    assert list(figs) == ["Requirements x systems"]
    # the heatmap: one row per requirement, one column per system (36 fit under the cap), no text in the cells
    heat = figs["Requirements x systems"]["data"][0]
    assert len(heat["y"]) == len(failing) and len(heat["x"]) == one(db, "SELECT count(*) FROM systems")
    assert "text" not in heat and "texttemplate" not in heat
    assert [h.value for h in at.subheader] == ["Requirements", "Findings behind a requirement"]


def test_framework_scores_are_the_share_of_mapped_results_passing_with_coverage(db: Path) -> None:
    at = page("frameworks")
    at.query_params["framework"] = "owasp_mcp_top10_2025"
    rendered(at)
    # from the rules: over every system x requirement a check covers, the share passing; coverage is the share of
    # requirements any check covers (a gap counts neither way)
    passing, mapped = sql(db, "SELECT count(*) FILTER (WHERE status = 'passing'), count(*) FILTER (WHERE status <> "
                              "'gap') FROM framework_status WHERE framework_id = 'owasp_mcp_top10_2025'")[0]
    covered, requirements = sql(db, "SELECT count(DISTINCT requirement_id) FILTER (WHERE check_id IS NOT NULL), "
                                    "count(DISTINCT requirement_id) FROM framework_requirements "
                                    "WHERE framework_id = 'owasp_mcp_top10_2025'")[0]
    assert 0 < passing < mapped and 0 < covered < requirements
    assert metrics(at)["Compliance score"] == share(passing / mapped)
    assert metrics(at)["Coverage"] == share(covered / requirements)
    name = one(db, "SELECT any_value(framework_name) FROM framework_requirements "
                   "WHERE framework_id = 'owasp_mcp_top10_2025'")
    scores = table(at, "framework_name", "compliance_score", "requirement_coverage").set_index("framework_name")
    assert scores.loc[name, "compliance_score"] == pytest.approx(passing / mapped, abs=1e-4)
    assert scores.loc[name, "requirement_coverage"] == pytest.approx(covered / requirements, abs=1e-4)
    assert len(scores) == len(FRAMEWORK_FILES), "every framework scored side by side"


def test_frameworks_page_opens_on_the_owasp_agentic_top_10_and_the_requirement_in_the_url(db: Path) -> None:
    at = rendered(page("frameworks"))
    assert at.selectbox(key="framework").value == "owasp_agentic_top10_2026"
    assert at.query_params["framework"] == "owasp_agentic_top10_2026"
    # it opens on the first failing requirement, and a requirement in the URL opens that one's findings
    first_failing = one(db, "SELECT requirement_id FROM framework_status_estate WHERE framework_id = ? AND "
                            "status = 'failing' ORDER BY position LIMIT 1", "owasp_agentic_top10_2026")
    assert at.selectbox(key="framework_requirement").value == first_failing
    requirement = one(db, "SELECT requirement_id FROM framework_status_estate WHERE framework_id = ? AND "
                          "status = 'failing' ORDER BY position DESC LIMIT 1", "owasp_agentic_top10_2026")
    assert requirement != first_failing
    at = page("frameworks")
    at.query_params.update({"framework": "owasp_agentic_top10_2026", "requirement": requirement})
    rendered(at)
    assert at.selectbox(key="framework_requirement").value == requirement
    findings = table(at, "link", "status", "check")
    expected = sql(db, "SELECT DISTINCT system_id FROM findings WHERE status IN ('FAIL', 'UNKNOWN') AND "
                       "list_contains((SELECT any_value(checks) FROM framework_status_estate WHERE framework_id = ? "
                       "AND requirement_id = ?), check_id) ORDER BY 1", "owasp_agentic_top10_2026", requirement)
    assert sorted(set(findings["link"].map(system_of))) == [r[0] for r in expected] != []


def test_frameworks_page_opens_from_the_url_and_scopes_to_one_system(db: Path) -> None:
    at = page("frameworks")
    at.query_params["framework"] = "owasp_mcp_top10_2025"
    rendered(at)
    assert at.selectbox(key="framework").value == "owasp_mcp_top10_2025"
    # a system with a failing requirement, so the findings behind it are not empty
    system_id = one(db, "SELECT max(system_id) FROM framework_status WHERE framework_id = ? AND status = 'failing'",
                    "owasp_mcp_top10_2025")
    rendered(at.selectbox(key="framework_system").set_value(system_id))
    counts = dict(sql(db, "SELECT status, count(*) FROM framework_status WHERE framework_id = ? AND system_id = ? "
                          "GROUP BY 1", "owasp_mcp_top10_2025", system_id))
    assert status_line(counts) in [c.value for c in at.caption]
    # the requirement picker lists the findings behind the first requirement that has checks
    requirement = one(db, "SELECT requirement_id FROM framework_status WHERE framework_id = ? AND system_id = ? "
                          "AND status = 'failing' ORDER BY position LIMIT 1", "owasp_mcp_top10_2025", system_id)
    rendered(at.selectbox(key="framework_requirement").set_value(requirement))
    findings = table(at, "link", "status", "check")
    expected = one(db, "SELECT count(*) FROM findings WHERE system_id = ? AND status IN ('FAIL', 'UNKNOWN') AND "
                       "list_contains((SELECT any_value(checks) FROM framework_status WHERE framework_id = ? AND "
                       "system_id = ? AND requirement_id = ?), check_id)",
                   system_id, "owasp_mcp_top10_2025", system_id, requirement)
    assert len(findings) == expected > 0
    assert set(findings["link"].map(system_of)) == {system_id}


def test_explorer_defaults_to_open_findings_and_filters_shrink_the_table_to_the_sql_rows(db: Path) -> None:
    at = rendered(page("explorer"))
    findings = table(at, "link", "status", "check")
    everything_open = sql(db, f"SELECT system_id, check_id, resource FROM findings WHERE {OPEN} {EXPLORER_ORDER}")
    assert finding_keys(findings) == everything_open
    systems = one(db, f"SELECT count(DISTINCT system_id) FROM findings WHERE {OPEN}")
    assert at.caption[0].value == f"{len(everything_open)} results · {systems} systems"
    assert at.multiselect(key="filter_status").value == ["FAIL", "UNKNOWN"]

    unit = one(db, f"SELECT business_unit FROM findings WHERE {OPEN} GROUP BY 1 ORDER BY count(*), 1 LIMIT 1")
    rendered(at.multiselect(key="filter_business_unit").set_value([unit]))
    narrowed = finding_keys(table(at, "link", "status", "check"))
    assert narrowed == sql(db, f"SELECT system_id, check_id, resource FROM findings WHERE {OPEN} "
                               f"AND business_unit = ? {EXPLORER_ORDER}", unit)
    assert 0 < len(narrowed) < len(everything_open)
    assert as_list(at.query_params["business_unit"]) == [unit]

    # a filter that goes through another view (the client that launches the connector)
    client = one(db, "SELECT client FROM system_connectors WHERE system_id IN "
                     f"(SELECT system_id FROM findings WHERE {OPEN} AND business_unit = ?) ORDER BY 1 LIMIT 1", unit)
    rendered(at.multiselect(key="filter_client").set_value([client]))
    both = finding_keys(table(at, "link", "status", "check"))
    assert both == sql(db, f"SELECT system_id, check_id, resource FROM findings WHERE {OPEN} AND business_unit = ? "
                           "AND system_id IN (SELECT system_id FROM system_connectors WHERE client = ?) "
                           f"{EXPLORER_ORDER}", unit, client)
    assert 0 < len(both) <= len(narrowed)

    # clearing the filters brings every open finding back and takes them out of the URL
    at.multiselect(key="filter_business_unit").set_value([])
    rendered(at.multiselect(key="filter_client").set_value([]))
    assert len(table(at, "link", "status", "check")) == len(everything_open)
    assert "business_unit" not in at.query_params and "client" not in at.query_params


def test_explorer_url_round_trip(db: Path) -> None:
    at = page("explorer")
    at.query_params.update({"tier": "1", "gate": ["identity", "audit"], "status": "UNKNOWN", "group": "gate",
                            "suppressed": "0"})
    rendered(at)
    # the widgets pick the URL up ...
    assert at.multiselect(key="filter_tier").value == ["1"]
    assert at.multiselect(key="filter_gate").value == ["identity", "audit"]
    assert at.multiselect(key="filter_status").value == ["UNKNOWN"]
    assert at.selectbox(key="group_by").value == "gate"
    assert at.checkbox(key="include_suppressed").value is False
    # ... and the table is exactly those rows, grouped as asked
    query = ("FROM findings WHERE tier = 1 AND gate IN ('identity', 'audit') AND status = 'UNKNOWN' "
             "AND NOT suppressed")
    rows = sql(db, f"SELECT system_id, check_id, resource {query} {EXPLORER_ORDER}")
    assert finding_keys(table(at, "link", "status", "check")) == rows
    grouped = table(at, "gate", "results")
    assert dict(cells(grouped, ["gate", "results"])) == dict(sql(db, f"SELECT gate, count(*) {query} GROUP BY 1"))

    # changing a widget changes the URL
    at.multiselect(key="filter_tier").set_value(["1", "2"])
    rendered(at.selectbox(key="group_by").set_value("(none)"))
    assert as_list(at.query_params["tier"]) == ["1", "2"]
    assert at.query_params["group"] == "(none)"
    assert as_list(at.query_params["gate"]) == ["identity", "audit"]
    wider = sql(db, "SELECT system_id, check_id, resource FROM findings WHERE tier IN (1, 2) "
                    f"AND gate IN ('identity', 'audit') AND status = 'UNKNOWN' AND NOT suppressed {EXPLORER_ORDER}")
    assert len(wider) > len(rows)
    assert finding_keys(table(at, "link", "status", "check")) == wider
    # a rerun with no interaction keeps the state (the URL and the widgets agree)
    rendered(at)
    assert at.multiselect(key="filter_tier").value == ["1", "2"]
    assert as_list(at.query_params["tier"]) == ["1", "2"]


def test_system_page_from_the_url(db: Path) -> None:
    # the system short of cleared with the most audit events, so every section (path to clearance too) is drawn
    system_id, calls = sql(db, "SELECT system_id, count(*) FROM tool_calls_resolved WHERE system_id IN "
                               "(SELECT system_id FROM verdicts WHERE verdict <> 'CLEARED') "
                               "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1")[0]
    at = page("system")
    at.query_params["system"] = system_id
    rendered(at)
    assert [t.value for t in at.title] == ["System"]
    assert at.selectbox(key="system").value == system_id

    verdict, after_risk, tier, tier_reason, reason = sql(
        db, "SELECT verdict, verdict_after_risk, tier, tier_reason, reason FROM verdicts WHERE system_id = ?",
        system_id)[0]
    text = [m.value for m in at.markdown]
    assert any(t.startswith("Verdict: ") and t.endswith(f">{LABELS[verdict]}</span>") for t in text)
    assert any(t.startswith("After accepted risk: ") and t.endswith(f">{LABELS[after_risk]}</span>") for t in text)
    assert f"**Tier {tier}** — {tier_reason}" in text
    assert f"**Why:** {reason}" in text
    assert cells(table(at, "gate", "status"), ["gate", "status"]) == sql(
        db, "SELECT gate, status FROM gate_results WHERE system_id = ? ORDER BY gate", system_id)
    steps = sql(db, "SELECT step, check_id FROM path_to_clearance WHERE system_id = ? ORDER BY step", system_id)
    assert steps, "a blocked system has a path to the next stage"
    assert [t.split(" ")[:3] for t in text if re.match(r"\d+\. \*\*", t)] == [
        [f"{step}.", "**check", check_id] for step, check_id in steps]
    assert len(table(at, "agent_id", "client")) == one(
        db, "SELECT count(*) FROM system_connectors WHERE system_id = ?", system_id)
    findings = table(at, "status", "check", "resource")
    assert len(findings) == one(db, "SELECT count(*) FROM findings WHERE system_id = ?", system_id)
    coverage = table(at, "agent_id", "calls")
    assert int(coverage["calls"].sum()) == calls
    assert len(table(at, "chain", "calls")) > 0

    # picking another system puts it in the URL
    other = one(db, "SELECT min(system_id) FROM systems WHERE system_id <> ?", system_id)
    rendered(at.selectbox(key="system").set_value(other))
    assert at.query_params["system"] == other
    assert len(table(at, "status", "check", "resource")) == one(
        db, "SELECT count(*) FROM findings WHERE system_id = ?", other)


def test_pages_show_secrets_only_redacted(db: Path) -> None:
    """The System and Explorer pages of every system with a literal secret in its configs (ID-04) show the
    redacted form and the fingerprint, never the secret the sample planted."""
    planted = planted_secrets()
    leaky = [r[0] for r in sql(db, "SELECT DISTINCT system_id FROM findings WHERE check_id = 'ID-04' "
                                    "AND status = 'FAIL' ORDER BY 1")]
    assert planted and leaky

    def shown(at: AppTest) -> str:
        parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
        parts += [d.value.to_csv() for d in at.dataframe]
        return "\n".join(parts)

    explorer = page("explorer")
    explorer.query_params["check_id"] = "ID-04"
    text = shown(rendered(explorer))
    for system_id in leaky:
        at = page("system")
        at.query_params["system"] = system_id
        text += shown(rendered(at))
    assert "****[" in text and "hmac:" in text  # the redacted forms are there ...
    assert [s for s in planted if s in text] == []  # ... the secrets are not


def test_remediation_page_counts_open_findings_per_team(db: Path) -> None:
    at = rendered(page("remediation"))
    assert [t.value for t in at.title] == ["Remediation"]
    open_, overdue, unticketed = sql(db, "SELECT count(*), count(*) FILTER (WHERE overdue), "
                                         "count(*) FILTER (WHERE ticket IS NULL) FROM findings "
                                         "WHERE status = 'FAIL' AND NOT suppressed")[0]
    assert metrics(at) == {"Open findings": str(open_), "Overdue by tier SLA": str(overdue),
                           "Without a ticket": str(unticketed)}
    teams = [r[0] for r in sql(db, "SELECT DISTINCT team FROM findings WHERE status = 'FAIL' AND NOT suppressed "
                                   "ORDER BY 1")]
    assert at.button_group(key="team").options == teams
    assert len(table(at, "due", "overdue", "link")) == open_
    assert len(table(at, "change", "link", "check")) == one(db, "SELECT count(*) FROM finding_deltas")
    assert set(charts(at)) == {"Open findings over runs", "Since the previous run"}
    # the burn-down is the estate's total per run, with its trend; one line per team on demand
    totals = sql(db, "SELECT as_of, sum(open_findings) FROM burn_down_per_team GROUP BY 1 ORDER BY 1")
    burn = {t["name"]: t for t in charts(at)["Open findings over runs"]["data"]}
    assert numbers(burn["open findings"]["y"]) == [float(n) for _, n in totals]
    assert [n for n in burn if n.startswith("trend: ")] and len(burn) == 2
    rendered(at.toggle(key="burn_down_by_team").set_value(True))
    per_team = charts(at)["Open findings per team over runs"]["data"]
    assert {t["name"] for t in per_team} == {r[0] for r in sql(db, "SELECT DISTINCT team FROM burn_down_per_team")}
    rendered(at.toggle(key="burn_down_by_team").set_value(False))
    # a team narrows the list and goes in the URL
    assert len(teams) > 1
    rendered(at.button_group(key="team").set_value(teams[:1]))
    assert as_list(at.query_params["team"]) == teams[:1]
    assert metrics(at)["Open findings"] == str(one(
        db, "SELECT count(*) FROM findings WHERE status = 'FAIL' AND NOT suppressed AND team = ?", teams[0]))


def test_exceptions_page_counts_each_state(db: Path) -> None:
    at = rendered(page("exceptions"))
    counts = dict(sql(db, "SELECT state, count(*) FROM exceptions_audit GROUP BY 1"))
    assert sum(counts.values()) > 0, "the sample estate ships exceptions"
    assert metrics(at) == {s.replace("_", " ").capitalize(): str(counts.get(s, 0))
                           for s in ("active", "expired", "unused", "invalid", "not_yet_active")}
    shown = table(at, "state_badge", "state_reason", "exception_id")
    assert sorted(shown["exception_id"]) == sorted(r[0] for r in sql(db, "SELECT exception_id FROM exceptions_audit"))


def test_data_page_lists_runs_sources_and_quarantine(db: Path) -> None:
    at = rendered(page("data_page"))
    assert [t.value for t in at.title] == ["Data"]
    runs = table(at, "as_of", "published_at")
    assert [d.date() for d in runs["as_of"]] == [r[0] for r in sql(db, "SELECT as_of FROM runs ORDER BY as_of DESC")]
    assert len(runs) > 1, "history from the back-filled runs"
    quarantined = one(db, "SELECT count(*) FROM quarantine")
    assert quarantined > 0, "the sample plants bad records"
    assert f"Quarantined records ({quarantined})" in [h.value for h in at.subheader]
    assert len(table(at, "reason", "source_file", "line")) == quarantined
    assert len(table(at, "family", "format", "source_file")) == one(db, "SELECT count(*) FROM sources")


# -- the database is missing, old or empty ----------------------------------------------------------------------


@pytest.mark.parametrize("module", PAGES)
def test_missing_database_says_what_to_run(module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    absent = tmp_path / "absent.duckdb"
    monkeypatch.setenv(data.DB_ENV, str(absent))
    at = rendered(page(module))
    assert len(at.error) == 1
    assert "mcp-clearance run" in at.error[0].value and str(absent) in at.error[0].value
    assert not at.title, "the page stops after the message"


@pytest.mark.parametrize("module", ["posture", "explorer", "system"])
def test_database_of_another_version_says_to_rerun(module: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(old)) as con:  # a DuckDB file without the views this version reads
        con.execute("CREATE TABLE systems (system_id VARCHAR)")
    monkeypatch.setenv(data.DB_ENV, str(old))
    at = rendered(page(module))
    assert len(at.error) == 1
    assert "another version" in at.error[0].value and "mcp-clearance run" in at.error[0].value
    assert not at.title


def test_a_file_that_is_not_a_database_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    junk = tmp_path / "estate.duckdb"
    junk.write_text("not a database\n" * 100)
    monkeypatch.setenv(data.DB_ENV, str(junk))
    at = rendered(page("posture"))
    assert len(at.error) == 1 and "cannot be opened" in at.error[0].value


@pytest.fixture
def empty_estate_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An estate whose inventory lists no systems (the inventory allows it), through the real pipeline."""
    estate = tmp_path / "estate"
    estate.mkdir()
    (estate / "inventory.yaml").write_text("systems: []\n")
    db = publish(estate, tmp_path / "estate.duckdb", date(2026, 11, 20))
    monkeypatch.setenv(data.DB_ENV, str(db))
    return db


@pytest.mark.parametrize("module", PAGES)
def test_every_page_renders_an_estate_without_systems(module: str, empty_estate_db: Path) -> None:
    assert one(empty_estate_db, "SELECT systems FROM estate_summary") == 0
    at = rendered(page(module))
    assert [t.value for t in at.title] == [PAGES[module]]
    assert any("no systems" in w.value for w in at.warning)
    if module == "posture":
        assert metrics(at)["Evidence coverage"] == "n/a"
        assert metrics(at)["Blocked"] == "0"


def test_a_system_without_evidence_is_insufficient_evidence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    estate = tmp_path / "estate"
    estate.mkdir()
    (estate / "inventory.yaml").write_text(INVENTORY_ONE_SYSTEM)
    db = publish(estate, tmp_path / "estate.duckdb", date(2026, 11, 20))
    monkeypatch.setenv(data.DB_ENV, str(db))

    posture = rendered(page("posture"))
    assert metrics(posture)["Blocked"] == "1" and "of which 1 lack evidence" in links(posture)
    assert "(1 of those lack the evidence to decide)" in posture.info[0].value

    system = rendered(page("system"))
    assert system.selectbox(key="system").value == "lonely-system"
    assert any(m.value.startswith("**Why:** insufficient evidence") for m in system.markdown)
    captions = [c.value for c in system.caption]
    assert "No audit events reached this system: the audit gate is unknown." in captions
    assert "No credential of this system's agents was found in the inventories: identity is unknown." in captions
    for module in ("frameworks", "explorer", "remediation", "exceptions", "data_page"):
        assert rendered(page(module)).title[0].value == PAGES[module]


# -- read-only, and a newer run without a restart ----------------------------------------------------------------


def test_dashboard_reads_read_only_and_sees_a_newer_run_without_restart(
        dashboard_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "estate.duckdb"
    shutil.copyfile(dashboard_db, db)
    monkeypatch.setenv(data.DB_ENV, str(db))
    first_as_of = one(db, "SELECT as_of FROM run_context")
    at = rendered(page("posture"))
    assert at.caption[0].value.startswith(f"As of {first_as_of.isoformat()} · 36 systems")

    # the dashboard's connection is read-only
    key = data.run_key(db)
    assert key is not None
    with pytest.raises(duckdb.Error, match="read-only"):
        data._estate(key).con.execute("CREATE TABLE written_by_the_dashboard (x INT)")

    # a newer run, published to the same path while the dashboard holds the old one open
    estate = tmp_path / "estate"
    estate.mkdir()
    (estate / "inventory.yaml").write_text(INVENTORY_ONE_SYSTEM)
    newer = first_as_of + timedelta(days=7)
    publish(estate, db, newer)
    rendered(at)  # the same session, rerun: no restart
    assert at.caption[0].value.startswith(f"As of {newer.isoformat()} · 1 systems")
    assert metrics(at)["Blocked"] == str(one(db, "SELECT blocked FROM estate_summary")) == "1"
    runs = rendered(page("data_page"))
    shown = [d.date() for d in table(runs, "as_of", "published_at")["as_of"]]
    assert shown[0] == newer and first_as_of in shown, "history carried into the new run"


@pytest.mark.parametrize("fault", ["garbage", "stale WAL"])
def test_a_garbage_or_stale_wal_database_names_the_command_to_run(fault: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    db = tmp_path / "estate.duckdb"
    if fault == "garbage":
        db.write_bytes(b"\x00garbage, not a database\xff" * 256)
    else:  # a WAL left by a writer of another file, killed before it could checkpoint
        other = tmp_path / "other.duckdb"
        for path in (db, other):
            with duckdb.connect(str(path)) as con:
                con.execute("CREATE TABLE t (x INTEGER)")
        writer = ("import duckdb, os, signal, sys\ncon = duckdb.connect(sys.argv[1])\n"
                  "con.execute('INSERT INTO t VALUES (1)')\nos.kill(os.getpid(), signal.SIGKILL)\n")
        assert subprocess.run([sys.executable, "-c", writer, str(other)], timeout=120).returncode == -9
        (tmp_path / "estate.duckdb.wal").write_bytes((tmp_path / "other.duckdb.wal").read_bytes())
    monkeypatch.setenv(data.DB_ENV, str(db))
    at = rendered(page("posture"))
    assert len(at.error) == 1
    assert f"mcp-clearance run ESTATE --db {db}" in at.error[0].value
    if fault == "stale WAL":
        assert "write-ahead log" in at.error[0].value
    assert not at.title, "the page stops after the message"


# -- drill-down, impact, agents, due windows ---------------------------------------------------------------------


def systems_shown(at: AppTest) -> list[str]:
    return [system_of(link) for link in table(at, "link", "system_name", "verdict")["link"]]


@pytest.mark.parametrize(("params", "expected_sql"), [
    ({"verdict": "BLOCKED"}, "SELECT system_id FROM verdicts WHERE verdict = 'BLOCKED'"),
    ({"verdict": ["CLEARED", "READ_ONLY"]}, "SELECT system_id FROM verdicts WHERE verdict <> 'BLOCKED'"),
    ({"evidence": "insufficient"}, "SELECT system_id FROM verdicts WHERE insufficient_evidence"),
    ({"tier": "1", "verdict": "BLOCKED"}, "SELECT system_id FROM verdicts WHERE tier = 1 AND verdict = 'BLOCKED'"),
    ({"audit": "FAIL", "tier": "1"},
     "SELECT system_id FROM gate_results JOIN system_tiers USING (system_id) "
     "WHERE gate = 'audit' AND status = 'FAIL' AND tier = 1"),
    ({"failing_check": "SC-01"},
     "SELECT DISTINCT system_id FROM findings WHERE check_id = 'SC-01' AND status = 'FAIL' AND NOT suppressed"),
    # one fix from the next stage: exactly one check on the path (the rule, read from path_to_clearance itself)
    ({"fixes": "1"}, "SELECT system_id FROM path_to_clearance GROUP BY 1 HAVING count(*) = 1"),
    ({"moved_by": "SC-02"},
     "SELECT system_id FROM path_to_clearance GROUP BY 1 HAVING count(*) = 1 AND bool_and(check_id = 'SC-02')"),
])
def test_systems_page_lists_exactly_the_systems_a_filter_counts(db: Path, params: dict[str, Any],
                                                                 expected_sql: str) -> None:
    at = page("systems")
    at.query_params.update(params)
    rendered(at)
    expected = sorted(r[0] for r in sql(db, expected_sql))
    assert expected, "each filter selects some systems on the sample"
    assert sorted(systems_shown(at)) == expected
    assert at.caption[0].value.startswith(f"{len(expected)} of 36 systems")


def test_systems_page_shows_verdict_tier_gates_and_blocking_checks_by_title(db: Path) -> None:
    at = rendered(page("systems"))
    shown = table(at, "link", "system_name", "verdict")
    assert len(shown) == 36
    row = shown.set_index(shown["link"].map(system_of)).loc["legacy-erp"]
    verdict, after_risk, tier, gates = sql(db, "SELECT verdict, verdict_after_risk, tier, "
                                               "[identity_gate, scope_gate, audit_gate] FROM verdicts "
                                               "WHERE system_id = 'legacy-erp'")[0]
    assert (row["verdict"], row["verdict_after_risk"], row["tier"]) == (verdict, after_risk, tier)
    assert [row["identity_gate"], row["scope_gate"], row["audit_gate"]] == gates
    path = sql(db, "SELECT check_id, title FROM path_to_clearance WHERE system_id = 'legacy-erp' ORDER BY step")
    assert list(row["blocking_checks"]) == [f"{c} · {t}" for c, t in path]


def test_impact_panel_ranks_fixes_by_the_systems_they_move(db: Path) -> None:
    at = rendered(page("posture"))
    # from the rule: a fix moves a system when it is the only check on that system's path to its next stage
    moved = dict(sql(db, "SELECT any_value(check_id), count(*) FROM (SELECT system_id, any_value(check_id) AS "
                         "check_id FROM path_to_clearance GROUP BY 1 HAVING count(*) = 1) GROUP BY check_id"))
    fixes = {query.removeprefix("moved_by="): label for label, (path, query) in links(at).items()
             if query.startswith("moved_by=")}
    assert fixes and len(fixes) == min(5, len(moved))
    best = max(moved.values())
    assert {c for c, n in moved.items() if n == best} <= set(fixes), "the fixes that move most systems are listed"
    for check_id, label in fixes.items():
        n = moved[check_id]
        assert f"check {check_id} · " in label and f"moves {n} system" in label
    counts = [int(re.search(r"moves (\d+) system", label).group(1)) for label in fixes.values()]
    assert counts == sorted(counts, reverse=True)
    wins = one(db, "SELECT count(*) FROM (SELECT system_id FROM path_to_clearance GROUP BY 1 HAVING count(*) = 1)")
    assert f"**Quick wins: {wins} systems are one fix from their next stage.**" in [m.value for m in at.markdown]
    # the first ten, tier 1 first, then the lowest effort, each opening its System page and naming its one fix; the
    # Systems list has them all
    expected = sql(db, "SELECT system_id, tier, any_value(check_id), any_value(next_stage) FROM path_to_clearance "
                       "GROUP BY system_id, tier HAVING count(*) = 1 ORDER BY tier, "
                       "list_position(['low', 'medium', 'high'], any_value(effort)), system_id LIMIT 10")
    shown = [(query.removeprefix("system="), label) for label, (path, query) in links(at).items()
             if path == "system" and query.startswith("system=")]
    assert wins > 10 and [s for s, _ in shown] == [s for s, *_ in expected]
    stage = {"READ_ONLY": "read-only", "CLEARED": "cleared"}
    for (system_id, tier, check_id, next_stage), (_, label) in zip(expected, shown, strict=True):
        assert label.startswith(f"{system_id} (tier {tier}, team ")
        assert f"→ {stage[next_stage]} with check {check_id} · " in label
    assert links(at)[f"See all {wins} in the Systems list"] == ("systems", "fixes=1")


def test_agents_page_answers_which_agents_lack_delegated_user_logging(db: Path) -> None:
    at = rendered(page("agents"))
    agents = table(at, "agent_id", "user_share")
    expected_agents = {r[0] for r in sql(db, "SELECT agent_id FROM agents UNION "
                                             "SELECT agent_id FROM delegation_chain_coverage")}
    assert set(agents["agent_id"]) == expected_agents and len(agents) == len(expected_agents)
    rendered(at.toggle(key="agents_lacking").set_value(True))
    assert at.query_params["lacking"] == "user"
    # lacking: some call without a delegated user, or no call logged at all (nothing proven)
    lacking = {r[0] for r in sql(db, "SELECT agent_id FROM delegation_chain_coverage GROUP BY 1 "
                                     "HAVING sum(user_share * calls) < sum(calls) UNION "
                                     "SELECT agent_id FROM agents WHERE agent_id NOT IN "
                                     "(SELECT agent_id FROM delegation_chain_coverage)")}
    assert lacking and set(table(at, "agent_id", "user_share")["agent_id"]) == lacking


@pytest.mark.parametrize("window", ["14d", "overdue"])
def test_remediation_team_and_due_window_narrow_every_element(db: Path, window: str) -> None:
    # due in 14 days: not yet overdue, due within 14 days of the run; overdue: past the tier's SLA
    condition = ("NOT overdue AND due <= (SELECT as_of FROM run_context) + INTERVAL 14 DAY" if window == "14d"
                 else "overdue")
    team = one(db, f"SELECT team FROM findings WHERE status = 'FAIL' AND NOT suppressed AND {condition} "
                   "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    at = page("remediation")
    at.query_params.update({"team": team, "due": window})
    rendered(at)
    expected = sql(db, f"SELECT system_id, check_id, resource FROM findings WHERE status = 'FAIL' AND NOT suppressed "
                       f"AND team = ? AND {condition} ORDER BY 1, 2, 3", team)
    assert expected
    assert sorted(finding_keys(table(at, "due", "overdue", "link"))) == expected
    assert metrics(at)["Open findings"] == str(len(expected))
    burn = {t["name"]: t for t in charts(at)["Open findings over runs"]["data"]}
    team_totals = sql(db, "SELECT open_findings FROM burn_down_per_team WHERE team = ? ORDER BY as_of", team)
    assert numbers(burn["open findings"]["y"]) == [float(n) for (n,) in team_totals], "the burn-down follows the team"
    rendered(at.toggle(key="burn_down_by_team").set_value(True))
    assert {t["name"] for t in charts(at)["Open findings per team over runs"]["data"]} == {team}
    deltas = table(at, "change", "link", "check")
    assert set(deltas["team"]) <= {team}
    assert len(deltas) == one(db, "SELECT count(*) FROM finding_deltas JOIN systems USING (system_id) "
                                  "WHERE team = ?", team)


# -- every page and table reads as words --------------------------------------------------------------------------

MD5 = re.compile(r"^[0-9a-f]{32}$")
# pages with the URL that draws their fullest state
WALK = [("posture", {}), ("systems", {}), ("agents", {}), ("frameworks", {}), ("explorer", {"group": "gate"}),
        ("system", {"system": "legacy-erp"}), ("system", {"system": "customer-360"}), ("remediation", {}),
        ("exceptions", {}), ("data_page", {})]


@pytest.mark.parametrize(("module", "params"), WALK)
def test_every_table_shows_labels_not_column_names_and_no_none(db: Path, module: str, params: dict[str, str]) -> None:
    at = page(module)
    at.query_params.update(params)
    rendered(at)
    assert at.dataframe or module == "posture", f"{module} shows tables"  # Posture's lists are links
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        shown = frame.value
        for name in shown.columns:
            column = config.get(name, {})
            label = column.get("label", name)
            assert "_" not in label, f"{module}: raw column name {label!r}"
            values = shown[name].dropna()
            if values.dtype == object:
                strings = [v for v in values if isinstance(v, str)]
                assert not [v for v in strings if MD5.match(v)], f"{module}: md5-like ids in {label!r}"
                assert not set(strings) & {"None", "nan", "NaT"}, f"{module}: 'None' shown in {label!r}"
            if pd.api.types.is_float_dtype(values) and column.get("type_config", {}).get("type") != "progress":
                assert (values.round(2) == values).all(), f"{module}: long fractions in {label!r}"
        if shown.isna().any().any():
            assert frame.proto.placeholder not in ("", "None"), f"{module}: a missing value would show as None"
    text = [m.value for m in at.markdown] + [c.value for c in at.caption] + [m.value for m in at.metric]
    assert not [t for t in text if re.search(r"\bNone\b", t)], f"{module}: None in text"


# -- the charts themselves, on rows made here -----------------------------------------------------------------------


def test_gate_matrix_stays_readable_and_bounded_at_two_thousand_systems() -> None:
    from mcp_clearance import figures

    rows = pd.DataFrame([{"system_id": f"sys-{i:04d}", "tier": 1 + i % 4, "verdict": "BLOCKED", "gate": gate,
                          "status": "FAIL" if gate == "audit" else "PASS",
                          "failing_checks": "AU-01 Audit log present" if gate == "audit" else ""}
                         for i in range(2_000) for gate in figures.GATE_ORDER])
    big = figures.gate_matrix(rows)
    assert big.layout.height <= 1_400, "not 22 px per system"
    assert big.data[0].text is None and big.data[0].texttemplate is None, "no text in 6,000 cells"
    small = figures.gate_matrix(rows[rows["system_id"] < "sys-0010"])
    assert list(small.data[0].text[0]) == ["PASS", "PASS", "FAIL"]
    # the hover names tier, verdict and the failing check by its title
    assert "tier 1 · blocked" in small.data[0].customdata[0][2]
    assert "AU-01 Audit log present" in small.data[0].customdata[0][2]


def test_credential_lifetimes_chart_keeps_never_expires_apart_and_the_limit_in_range() -> None:
    from mcp_clearance import figures

    day = 86_400
    rows = pd.DataFrame({
        "agent_id": ["a", "a", "b", "c"], "kind": ["oauth_access", "oauth_access", "static_key", "federated"],
        "credential_id": ["1", "2", "3", "4"], "lifetime_s": [900, 400 * day, None, None],
        "never_expires": [False, False, True, False], "exceeds_tier_limit": [False, True, True, False],
        "max_credential_lifetime_s": [day] * 4, "source_file": ["creds.json"] * 4})
    fig = figures.credential_lifetimes(rows)
    bars = [t for t in fig.data if t.type == "bar"]
    assert sorted(label for t in bars for label in t.y) == ["a · oauth_access #1", "a · oauth_access #2"]
    never = next(t for t in fig.data if t.name == "never expires")
    assert list(never.y) == ["b · static_key"], "its own marker, not a bar of made-up length"
    assert next(t for t in fig.data if t.name == "no lifetime of its own").y == ("c · federated",)
    low, high = (10 ** v for v in fig.layout.xaxis.range)
    assert fig.layout.xaxis.type == "log"
    assert low < 900 / day and high > 400, "every lifetime inside the axis"
    assert high < 400 * 10, "the range follows the lifetimes, not a made-up length"
    assert [shape.x0 for shape in fig.layout.shapes] == [1.0], "the tier limit: one line at 1 day"
    assert low < 1.0 < high
