"""inventory.yaml / policy.yaml / exceptions.yaml: pydantic validation with file, line and field."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from mcp_clearance.estate import (
    DEFAULT_THRESHOLDS,
    Policy,
    TierPolicy,
    effective_thresholds,
    parse_duration,
    policy_deviations,
)
from mcp_clearance.pipelines import inventory
from mcp_clearance.pipelines.base import LoadContext
from mcp_clearance.safe_load import DocumentError, load_yaml
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import create_schema

SYSTEM = """\
  - id: {id}
    name: System {id}
    owner: owner@acme.example
    team: platform
    business_unit: Finance
    environment: {env}
    data_classes: [internal]
"""


def load(tmp_path: Path, files: dict[str, str]) -> tuple[LoadContext, list]:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    con = duckdb.connect()
    create_schema(con)
    ctx = LoadContext(con=con, estate_root=tmp_path, scanner=SecretScanner(b"k" * 32))
    return ctx, inventory.load(ctx, tmp_path)


def test_bad_record_names_file_line_and_field_and_the_rest_loads(tmp_path: Path) -> None:
    text = "systems:\n" + SYSTEM.format(id="good", env="production") + SYSTEM.format(id="bad", env="prod")
    ctx, errors = load(tmp_path, {"inventory.yaml": text})
    assert [str(e) for e in errors] == [
        "inventory.yaml:14: systems[1].environment: "
        "Input should be 'production', 'staging', 'development' or 'sandbox'"
    ]
    assert ctx.con.execute("SELECT system_id FROM systems").fetchall() == [("good",)]
    assert ctx.quarantined == [("inventory.yaml", "inventory", 14, errors[0].field + ": " + errors[0].message)]


def test_unknown_key_is_rejected_with_its_line(tmp_path: Path) -> None:
    text = "systems:\n" + SYSTEM.format(id="a", env="staging") + "    colour: blue\n"
    _, errors = load(tmp_path, {"inventory.yaml": text})
    assert len(errors) == 1
    assert (errors[0].line, errors[0].field) == (9, "systems[0].colour")
    assert "unknown key" in errors[0].message


def test_yaml_syntax_error_reports_line(tmp_path: Path) -> None:
    _, errors = load(tmp_path, {"inventory.yaml": "systems:\n  - id: [unclosed\n"})
    assert errors[0].file == "inventory.yaml" and errors[0].line == 3
    assert errors[0].message.startswith("YAML syntax error")


def test_connector_to_unknown_system_and_missing_inventory(tmp_path: Path) -> None:
    text = ("systems:\n" + SYSTEM.format(id="a", env="staging")
            + "agents:\n  - {id: ag, name: Agent, owner: o}\n"
            + "connectors:\n  - {config: 'connectors/*.json', system: nope, agent: ag}\n")
    ctx, errors = load(tmp_path, {"inventory.yaml": text})
    assert [(e.line, e.field, e.message) for e in errors] == [(12, "connectors.system", "unknown system 'nope'")]
    assert ctx.con.execute("SELECT identity FROM agent_identities").fetchall() == [("ag",)]
    (tmp_path / "inventory.yaml").unlink()
    _, errors = load(tmp_path, {})
    assert "missing" in errors[0].message


def test_tier_override_needs_a_reason(tmp_path: Path) -> None:
    text = "systems:\n" + SYSTEM.format(id="a", env="staging") + "    tier: 1\n"
    _, errors = load(tmp_path, {"inventory.yaml": text})
    assert errors[0].field == "systems[0]" and "tier_reason" in errors[0].message


def test_exception_expiry_must_follow_creation_and_bad_record_spares_the_rest(tmp_path: Path) -> None:
    exc = ("  - {{id: {id}, check: SC-02, system: a, owner: o, approver: p, reason_kind: risk_accepted, "
           "reason: r, created: 2026-10-01, expires: {expires}}}\n")
    text = "exceptions:\n" + exc.format(id="E1", expires="2026-09-01") + exc.format(id="E2", expires="2027-01-01")
    ctx, errors = load(tmp_path, {"inventory.yaml": "systems:\n" + SYSTEM.format(id="a", env="staging"),
                                  "exceptions.yaml": text})
    assert [(e.file, e.line, e.message) for e in errors] == [
        ("exceptions.yaml", 2, "expires must be after created")]
    assert ctx.con.execute("SELECT exception_id FROM exceptions").fetchall() == [("E2",)]


def test_policy_loosening_is_reported_with_default_and_new_value(tmp_path: Path) -> None:
    policy = "tiers:\n  3:\n    max_credential_lifetime: 14d\n    agent_coverage: 99\n"
    ctx, errors = load(tmp_path, {"inventory.yaml": "systems:\n" + SYSTEM.format(id="a", env="staging"),
                                  "policy.yaml": policy})
    assert errors == []
    rows = ctx.con.execute("SELECT tier, threshold, default_value, policy_value, direction FROM policy_deviations "
                       "ORDER BY threshold").fetchall()
    assert rows == [(3, "agent_coverage", "0.95", "0.99", "stricter"),
                    (3, "max_credential_lifetime_s", "604800", "1209600", "looser")]
    assert ctx.con.execute("SELECT max_credential_lifetime_s FROM policy_thresholds WHERE tier = 3").fetchone() == (
        14 * 86400,)


def test_invalid_policy_falls_back_to_defaults(tmp_path: Path) -> None:
    ctx, errors = load(tmp_path, {"inventory.yaml": "systems:\n" + SYSTEM.format(id="a", env="staging"),
                                  "policy.yaml": "tiers:\n  1:\n    max_credential_lifetime: forever\n"})
    assert errors and errors[0].field == "tiers.1.max_credential_lifetime"
    limit = ctx.con.execute("SELECT max_credential_lifetime_s FROM policy_thresholds WHERE tier = 1").fetchone()
    assert limit == (3600,)


def test_defaults_have_no_deviation_and_not_required_linkage_is_looser() -> None:
    assert list(policy_deviations(effective_thresholds(Policy()))) == []
    loosened = effective_thresholds(Policy(tiers={3: TierPolicy(target_linkage_required=False)}))
    assert loosened[3].target_linkage is None and DEFAULT_THRESHOLDS[3].target_linkage == 0.8
    assert list(policy_deviations(loosened)) == [(3, "target_linkage", "0.8", "None", "looser")]


def test_a_bad_policy_value_keeps_the_default_of_that_field_only(tmp_path: Path) -> None:
    policy = ("tiers:\n  3:\n    retention_days: 99999999999\n    agent_coverage: 97\n"
              "review_window_days: 1.5\nremediation_sla_days: {1: 5}\n")
    ctx, errors = load(tmp_path, {"inventory.yaml": "systems:\n" + SYSTEM.format(id="a", env="staging"),
                                  "policy.yaml": policy})
    assert [(e.line, e.field) for e in errors] == [(3, "tiers.3.retention_days"), (5, "review_window_days")]
    assert all(e.message.endswith("the default applies") and "99999999999" not in e.message for e in errors)
    row = ctx.con.execute("SELECT retention_days, agent_coverage, review_window_days FROM policy_thresholds "
                          "WHERE tier = 3").fetchone()
    assert row == (DEFAULT_THRESHOLDS[3].retention_days, 0.97, 30)  # the good value still applies
    assert ctx.con.execute("SELECT remediation_sla_days FROM policy_thresholds WHERE tier = 1").fetchone() == (5,)


def test_durations_are_bounded_to_ten_years() -> None:
    assert parse_duration("3650d") == 3650 * 86400
    for bad in ("3651d", "9" * 13 + "s", -1, True, 3.5, "1w"):
        with pytest.raises(ValueError):
            parse_duration(bad)  # type: ignore[arg-type]


def test_a_glob_that_matches_nothing_is_a_warning_on_its_line(tmp_path: Path) -> None:
    (tmp_path / "connectors").mkdir()
    (tmp_path / "connectors" / "a.json").write_text("{}")
    text = ("systems:\n" + SYSTEM.format(id="a", env="staging")
            + "agents:\n  - {id: ag, name: Agent, owner: o}\n"
            + "connectors:\n  - {config: 'connectors/*.json', system: a, agent: ag}\n"
            + "  - {config: 'connectors/none/*.json', system: a, agent: ag}\n"
            + "  - {config: '/abs/*.json', system: a, agent: ag}\n")
    ctx, errors = load(tmp_path, {"inventory.yaml": text})
    assert [(e.line, e.field) for e in errors] == [(13, "connectors[1].config"), (14, "connectors[2].config")]
    assert "matches no file" in errors[0].message and "can never match" in errors[1].message
    assert ctx.con.execute("SELECT count(*) FROM connector_assignments").fetchone() == (3,)


def test_yaml_limits_refuse_bombs_but_keep_ordinary_anchors() -> None:
    data, _ = load_yaml("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert data == {"base": {"x": 1}, "other": {"x": 1, "y": 2}}
    bomb = "".join(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9 if i else ["x"] * 9)
                   + "]\n" for i in range(9))
    for text, reason, line in [(bomb, "nodes with aliases expanded", 6), ("a: &x [*x]\n", "a cycle", 1),
                               ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 150)), "deeper than 100", 101)]:
        with pytest.raises(DocumentError) as refused:
            load_yaml(text)
        assert reason in refused.value.reason and refused.value.line == line
    assert load_yaml("n: " + "1" * 5000 + "\nd: 2026-02-30\n")[0] == {"n": "1" * 5000, "d": "2026-02-30"}
