"""The sample estate generator: deterministic, valid, realistic enough, and equal to the committed sample."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from mcp_clearance import sample_estate
from mcp_clearance.cli import main as cli
from mcp_clearance.estate import (
    Agent,
    ConnectorAssignment,
    Policy,
    RiskException,
    System,
    Ticket,
    read_yaml,
    validate_records,
    validate_with_defaults,
)
from mcp_clearance.evaluate import create_views, evaluation_schema
from mcp_clearance.pipelines import connectors as connector_formats
from mcp_clearance.pipelines.base import LoadContext, load_family
from mcp_clearance.run import ingest, validate
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import create_schema

SAMPLE = Path(__file__).parent.parent / "sample_data"
SMALL = {"systems": 12, "events": 2_000, "seed": 7}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def fresh_default(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default estate, generated now."""
    out = tmp_path_factory.mktemp("default") / "estate"
    sample_estate.generate(out)
    return out


def test_same_arguments_give_the_same_bytes(tmp_path: Path) -> None:
    sample_estate.generate(tmp_path / "a", **SMALL)
    sample_estate.generate(tmp_path / "b", **SMALL)
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    sample_estate.generate(tmp_path / "c", **{**SMALL, "seed": 8})
    assert tree(tmp_path / "c") != first  # the seed matters


def test_regenerating_into_the_same_folder_leaves_no_stale_files(tmp_path: Path) -> None:
    sample_estate.generate(tmp_path / "reused", systems=40, events=500, as_of=date(2026, 10, 1))
    sample_estate.generate(tmp_path / "reused", **SMALL)
    sample_estate.generate(tmp_path / "clean", **SMALL)
    assert tree(tmp_path / "reused") == tree(tmp_path / "clean")


def test_committed_sample_equals_a_fresh_run(fresh_default: Path) -> None:
    committed, fresh = tree(SAMPLE), tree(fresh_default)
    assert committed.keys() == fresh.keys(), "regenerate: python -m mcp_clearance.sample_estate --out sample_data"
    assert [name for name in fresh if committed[name] != fresh[name]] == []


def test_the_sample_stays_under_ten_megabytes() -> None:
    # what `du -sb sample_data` counts: every file and folder, by apparent size
    size = sum(p.stat().st_size for p in [SAMPLE, *SAMPLE.rglob("*")])
    assert size < 10_000_000


def test_every_yaml_file_validates_against_the_estate_models() -> None:
    def check(name: str, sections: dict, required: set[str]) -> dict:
        data, root, errors = read_yaml(SAMPLE / name, name)
        loaded, problems = validate_records(data, root, name, sections, required=required)
        assert errors + problems == []
        return loaded

    inventory = check("inventory.yaml", {"systems": System, "agents": Agent, "connectors": ConnectorAssignment},
                      {"systems"})
    exceptions = check("exceptions.yaml", {"exceptions": RiskException}, set())
    tickets = check("remediation.yaml", {"tickets": Ticket}, set())
    data, root, errors = read_yaml(SAMPLE / "policy.yaml", "policy.yaml")
    policy, problems = validate_with_defaults(data, root, "policy.yaml", Policy)
    assert errors + problems == [] and policy is not None

    systems = [s for s, _ in inventory["systems"]]
    assert len(systems) >= 30
    assert len({s.business_unit for s in systems}) >= 5
    assert any(s.tier is not None for s in systems)
    ids = {s.id for s in systems}
    agents = {a.id for a, _ in inventory["agents"]}
    assert {c.system for c, _ in inventory["connectors"]} <= ids
    assert {c.agent for c, _ in inventory["connectors"]} <= agents
    expiries = {e.id: e.expires for e, _ in exceptions["exceptions"]}
    assert min(expiries.values()) < sample_estate.DEFAULT_AS_OF < max(expiries.values())  # expired and valid
    assert any(e.system not in ids for e, _ in exceptions["exceptions"])  # an exception for an unknown system
    assert tickets["tickets"]


def data_tier(system: System) -> int:
    """CHECKS.md: the tier from data classes, an explicit override winning."""
    if system.tier is not None:
        return system.tier
    classes = set(system.data_classes)
    for tier, names in ((1, {"financial", "payment", "credentials", "production_records"}),
                        (2, {"customer_pii", "personal", "health", "confidential"}), (3, {"internal"})):
        if classes & names:
            return tier
    return 4


def test_all_tiers_and_outcomes_are_represented() -> None:
    specs = sample_estate.estate()
    systems = [System(id=s.id, name=s.name, owner=s.owner, team=s.team, business_unit=s.unit,
                      environment=s.environment, data_classes=list(s.data_classes), tier=s.tier,
                      tier_reason=s.tier_reason) for s in specs]  # type: ignore[arg-type]
    assert {data_tier(s) for s in systems} == {1, 2, 3, 4}
    scenarios = [sample_estate.scenario_of(s.id) for s in specs]
    assert {s.verdict for s in scenarios} == {"CLEARED", "READ_ONLY", "BLOCKED"}
    assert sum(s.insufficient for s in scenarios) >= 2
    failing = {check for s in scenarios for check in s.fails}
    assert {"ID-01", "ID-02", "ID-04", "ID-06", "SC-01", "SC-02", "SC-04", "SC-05", "SC-07", "SC-09", "SC-10",
            "AU-01", "AU-03", "AU-04", "AU-05", "AU-06"} <= failing
    assert set(sample_estate.SCENARIOS) == {s.id for s in specs}
    scenarios_md = (SAMPLE / "SCENARIOS.md").read_text()
    assert all(f"| {s.id} |" in scenarios_md for s in specs)


def test_configs_come_from_every_client_and_hold_the_planted_secrets() -> None:
    con = duckdb.connect()
    create_schema(con)
    ctx = LoadContext(con=con, estate_root=SAMPLE, scanner=SecretScanner(b"sample-test-key!" * 2))
    load_family(ctx, "connectors", connector_formats, SAMPLE / "connectors")
    clients = {row[0] for row in con.execute("SELECT DISTINCT client FROM connector_servers").fetchall()}
    assert len(clients) >= 8
    assert clients == set(sample_estate.CLIENT_FILES)
    broken = [source for source, *_ in ctx.quarantined]
    assert broken == ["connectors/hr-records/backup/claude_desktop_config.json"]  # the one broken on purpose

    planted = sample_estate.planted_secrets(sample_estate.DEFAULT_SEED)
    assert len(planted) >= 9
    texts = {p: p.read_text() for p in (SAMPLE / "connectors").rglob("*") if p.is_file()}
    for secret in planted:
        holders = [p for p, text in texts.items() if secret in text]
        assert holders, f"planted secret {secret[:6]}… is in no config"
    shared = [s for s in planted if sum(s in t for t in texts.values()) > 1]
    assert len(shared) == 1  # one secret reused across two systems' configs
    found = con.execute("SELECT count(DISTINCT fingerprint) FROM connector_values WHERE is_secret").fetchone()
    assert found is not None and found[0] == len(planted)
    stored = " ".join(str(v) for row in con.execute("SELECT * FROM connector_values").fetchall() for v in row)
    assert not [s for s in planted if s in stored]  # the pipeline keeps none of them
    elsewhere = [p for p in SAMPLE.rglob("*") if p.is_file() and "connectors" not in p.parts
                 and p.suffix != ".gz" and any(s in p.read_text() for s in planted)]
    assert elsewhere == []


def test_audit_files_hold_enough_events_in_every_format() -> None:
    con = duckdb.connect()
    audit = (SAMPLE / "audit").as_posix()

    def one(sql: str) -> int:
        row = con.execute(sql).fetchone()
        assert row is not None
        return int(row[0])

    toolhive = one(f"SELECT count(*) FROM read_json('{audit}/toolhive/*.jsonl.gz', format='newline_delimited', "
                   "ignore_errors=true, columns={'type': 'VARCHAR'}) WHERE type = 'mcp_tool_call'")
    spans = one(f"SELECT count(*) FROM (SELECT unnest(rs.scopeSpans[1].spans) FROM (SELECT unnest(resourceSpans) "
                f"AS rs FROM read_json('{audit}/otel/*.jsonl.gz', format='newline_delimited')))")
    captured = one(f"SELECT count(*) FROM read_json('{audit}/mcp-captures/*.jsonl.gz', format='newline_delimited', "
                   "columns={'method': 'VARCHAR'}) WHERE method = 'tools/call'")
    cloudtrail = one(f"SELECT sum(len(Records)) FROM read_json('{audit}/cloudtrail/*.json.gz', "
                     "columns={'Records': 'JSON[]'})")
    assert min(toolhive, spans, captured, cloudtrail) > 0
    assert toolhive + spans + captured == sample_estate.DEFAULT_EVENTS >= 50_000
    assert toolhive + spans + captured + cloudtrail >= 50_000


def test_as_of_moves_the_estate_through_time(tmp_path: Path) -> None:
    before, after = date(2026, 10, 1), sample_estate.DEFAULT_AS_OF
    sample_estate.generate(tmp_path / "before", events=500, as_of=before)
    old, new = tmp_path / "before", SAMPLE
    fixed = set(sample_estate.planted_secrets(as_of=before)) - set(sample_estate.planted_secrets(as_of=after))
    assert fixed and all(s in (old / "connectors/crm-accounts/.gemini/settings.json").read_text() for s in fixed)
    assert '"@acme/docs-index-mcp"' in (old / "connectors/public-docs-search/.codex/config.toml").read_text()
    assert "@acme/docs-index-mcp@4.2.0" in (new / "connectors/public-docs-search/.codex/config.toml").read_text()
    assert "lead-enrich" not in (old / "connectors/sales-ops").joinpath(
        sample_estate.CLIENT_FILES["cline"]).read_text()
    assert (old / "credentials/entra/partner-agent-app.json").exists()  # evidence that later disappears
    assert not (new / "credentials/entra/partner-agent-app.json").exists()
    assert not list((old / "audit/toolhive").glob("service-catalog.*"))  # logging switched on later
    assert all("_202609" in p.name for p in (old / "audit/cloudtrail").iterdir())  # events are relative to as_of


def test_command_line_entry_points(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["generate", str(tmp_path / "cli"), "--systems", "3", "--events", "200",
                                      "--seed", "3", "--as-of", "2026-11-01"])
    assert result.exit_code == 0, result.output
    assert sample_estate.main(["--out", str(tmp_path / "module"), "--systems", "3", "--events", "200",
                               "--seed", "3", "--as-of", "2026-11-01"]) == 0
    assert tree(tmp_path / "cli") == tree(tmp_path / "module")


def test_the_product_derives_the_tier_each_scenario_expects(tmp_path: Path) -> None:
    sample_estate.generate(tmp_path, events=0)  # tiers need no audit evidence
    con = duckdb.connect()
    create_schema(con)
    ingest(con, tmp_path, SecretScanner(b"sample-test-key!" * 2))
    con.execute(evaluation_schema())
    create_views(con)
    derived = dict(con.execute("SELECT system_id, tier FROM system_tiers").fetchall())
    assert derived == {system: scenario.tier for system, scenario in sample_estate.SCENARIOS.items()}


def test_the_pipelines_load_the_sample_and_quarantine_only_the_planted_bad_records() -> None:
    result = validate(SAMPLE, scanner=SecretScanner(b"sample-test-key!" * 2))
    assert sorted(source for source, *_ in result.quarantine) == [
        "audit/toolhive/customer-360.customer-profile.audit.jsonl.gz",  # a line cut off mid-write
        "connectors/hr-records/backup/claude_desktop_config.json",  # a JSON syntax error
        "credentials/other/credentials.csv",  # a row with an impossible date
    ]
    assert all(line is not None for *_, line, _ in result.quarantine)  # each names its line
    assert result.families["audit"].rows >= sample_estate.DEFAULT_EVENTS  # every call, plus the CloudTrail events
    assert result.families["credentials"].rows > 50
