"""The check catalog and framework files: complete, consistent with each other and with the references.

The expected ids and titles below are copied from shared/reference/frameworks.md (and the minimum
mappings from shared/CHECKS.md) on purpose: dropping or renaming a requirement in a YAML file must fail
here, not silently shrink a framework's coverage.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_clearance.catalog import (
    REGENERATE,
    CatalogError,
    CheckMapping,
    CheckMeta,
    Framework,
    Requirement,
    default_checks_dir,
    default_frameworks_dir,
    load_checks,
    load_frameworks,
    mapping_problems,
    missing_queries,
    render_check_docs,
    render_rules,
)

ROOT = Path(__file__).resolve().parents[1]
CHECKS_DIR = ROOT / "checks"
FRAMEWORKS_DIR = ROOT / "frameworks"

CHECK_IDS = (
    [f"ID-{n:02d}" for n in range(1, 8)] + [f"SC-{n:02d}" for n in range(1, 11)] + [f"AU-{n:02d}" for n in range(1, 7)]
)

AGENTIC = {
    "ASI01:2026": "Agent Goal Hijack",
    "ASI02:2026": "Tool Misuse and Exploitation",
    "ASI03:2026": "Identity and Privilege Abuse",
    "ASI04:2026": "Agentic Supply Chain Vulnerabilities",
    "ASI05:2026": "Unexpected Code Execution (RCE)",
    "ASI06:2026": "Memory & Context Poisoning",
    "ASI07:2026": "Insecure Inter-Agent Communication",
    "ASI08:2026": "Cascading Failures",
    "ASI09:2026": "Human-Agent Trust Exploitation",
    "ASI10:2026": "Rogue Agents",
}
MCP = {
    "MCP01:2025": "Token Mismanagement and Secret Exposure",
    "MCP02:2025": "Privilege Escalation via Scope Creep",
    "MCP03:2025": "Tool Poisoning",
    "MCP04:2025": "Software Supply Chain Attacks & Dependency Tampering",
    "MCP05:2025": "Command Injection & Execution",
    "MCP06:2025": "Intent Flow Subversion",
    "MCP07:2025": "Insufficient Authentication & Authorization",
    "MCP08:2025": "Lack of Audit and Telemetry",
    "MCP09:2025": "Shadow MCP Servers",
    "MCP10:2025": "Context Injection & Over-Sharing",
}
LLM = {
    "LLM01:2025": "Prompt Injection",
    "LLM02:2025": "Sensitive Information Disclosure",
    "LLM03:2025": "Supply Chain",
    "LLM04:2025": "Data and Model Poisoning",
    "LLM05:2025": "Improper Output Handling",
    "LLM06:2025": "Excessive Agency",
    "LLM07:2025": "System Prompt Leakage",
    "LLM08:2025": "Vector and Embedding Weaknesses",
    "LLM09:2025": "Misinformation",
    "LLM10:2025": "Unbounded Consumption",
}
MAESTRO = {
    "L1": "Foundation Models",
    "L2": "Data Operations",
    "L3": "Agent Frameworks",
    "L4": "Deployment and Infrastructure",
    "L5": "Evaluation and Observability",
    "L6": "Security and Compliance (vertical layer)",
    "L7": "Agent Ecosystem",
    "cross-layer": "Cross-layer threats",
}
SP_800_53 = {
    "AC-2": "Account Management",
    "AC-3": "Access Enforcement",
    "AC-4": "Information Flow Enforcement",
    "AC-6": "Least Privilege",
    "AC-6(7)": "Review of User Privileges",  # from CHECKS.md (SC-06), not in frameworks.md
    "AC-6(9)": "Log Use of Privileged Functions",
    "AC-6(10)": "Prohibit Non-privileged Users from Executing Privileged Functions",
    "AU-2": "Event Logging",
    "AU-3": "Content of Audit Records",
    "AU-3(1)": "Additional Audit Information",
    "AU-9": "Protection of Audit Information",
    "AU-9(4)": "Access by Subset of Privileged Users",
    "AU-10": "Non-repudiation",
    "AU-10(1)": "Association of Identities",
    "AU-11": "Audit Record Retention",  # from CHECKS.md (AU-06), not in frameworks.md
    "AU-12": "Audit Record Generation",
    "AU-16": "Cross-organizational Audit Logging",
    "CM-7": "Least Functionality",
    "IA-2": "Identification and Authentication (Organizational Users)",
    "IA-2(8)": "Access to Accounts — Replay Resistant",
    "IA-3": "Device Identification and Authentication",
    "IA-4": "Identifier Management",
    "IA-5": "Authenticator Management",
    "IA-8": "Identification and Authentication (Non-organizational Users)",
    "IA-9": "Service Identification and Authentication",
    "IA-11": "Re-authentication",
    "SA-9": "External System Services",
    "SC-8": "Transmission Confidentiality and Integrity",
    "SC-12": "Cryptographic Key Establishment and Management",
    "SC-23": "Session Authenticity",
    "SI-4": "System Monitoring",
}
# The reference gives a selection of subcategories; the file must list exactly that selection.
AI_RMF_IDS = [
    "GOVERN 1.4", "GOVERN 1.5", "GOVERN 1.6", "GOVERN 2.1", "GOVERN 3.2", "GOVERN 4.3", "GOVERN 6.1", "GOVERN 6.2",
    "MAP 3.5", "MAP 4.1", "MAP 4.2", "MEASURE 2.4", "MEASURE 2.7", "MEASURE 2.8", "MANAGE 2.4", "MANAGE 3.1",
    "MANAGE 3.2", "MANAGE 4.1", "MANAGE 4.3",
]
EXPECTED_IDS = {
    "owasp_agentic_top10_2026": list(AGENTIC),
    "owasp_mcp_top10_2025": list(MCP),
    "owasp_llm_top10_2025": list(LLM),
    "csa_maestro": list(MAESTRO),
    "nist_ai_rmf_1_0": AI_RMF_IDS,
    "nist_sp_800_53_r5": list(SP_800_53),
}
EXPECTED_TITLES = {
    "owasp_agentic_top10_2026": AGENTIC,
    "owasp_mcp_top10_2025": MCP,
    "owasp_llm_top10_2025": LLM,
    "csa_maestro": MAESTRO,
    "nist_sp_800_53_r5": SP_800_53,
}
# shared/CHECKS.md "frameworks (minimum)", restricted to the six shipped frameworks (NHI7 is cited in ID-02's
# references instead).
MINIMUM = {
    "ID-01": ["ASI03:2026", "MCP02:2025", "MCP07:2025", "GOVERN 2.1", "IA-2", "IA-4", "IA-9", "L7"],
    "ID-02": ["ASI03:2026", "MCP01:2025", "IA-5", "IA-9", "SC-12"],
    "ID-03": ["ASI03:2026", "MCP01:2025", "IA-5"],
    "ID-04": ["MCP01:2025", "ASI03:2026", "LLM02:2025", "IA-5"],
    "ID-05": ["ASI03:2026", "AC-2"],
    "ID-06": ["MCP01:2025", "IA-5"],
    "ID-07": ["MCP07:2025", "ASI03:2026", "IA-2", "SC-23"],
    "SC-01": ["ASI02:2026", "MCP02:2025", "LLM06:2025", "AC-6", "L3"],
    "SC-02": ["ASI02:2026", "LLM06:2025", "AC-6"],
    "SC-03": ["ASI03:2026", "MCP02:2025", "AC-6(10)"],
    "SC-04": ["MCP02:2025", "ASI03:2026", "AC-6"],
    "SC-05": ["ASI02:2026", "ASI01:2026", "LLM06:2025", "cross-layer"],
    "SC-06": ["MCP02:2025", "AC-6(7)"],
    "SC-07": ["ASI02:2026", "ASI10:2026", "AC-3"],
    "SC-08": ["ASI02:2026", "MCP07:2025", "AC-3"],
    "SC-09": ["ASI04:2026", "MCP04:2025", "LLM03:2025"],
    "SC-10": ["MCP09:2025", "ASI04:2026", "GOVERN 1.6"],
    "AU-01": ["MCP08:2025", "ASI10:2026", "AU-2", "AU-12", "L5"],
    "AU-02": ["MCP08:2025", "ASI03:2026", "AU-3", "AU-10"],
    "AU-03": ["MCP08:2025", "MCP07:2025", "ASI09:2026", "AU-3", "AU-10(1)"],
    "AU-04": ["ASI08:2026", "MCP08:2025", "AU-16", "MEASURE 2.8"],
    "AU-05": ["ASI10:2026", "MCP08:2025", "AU-9", "AU-10"],
    "AU-06": ["AU-11", "MANAGE 4.1"],
}


@pytest.fixture(scope="module")
def checks() -> dict[str, CheckMeta]:
    return load_checks(CHECKS_DIR)


@pytest.fixture(scope="module")
def frameworks() -> dict[str, Framework]:
    return {f.id: f for f in load_frameworks(FRAMEWORKS_DIR)}


def test_catalog_has_every_check_of_checks_md(checks: dict[str, CheckMeta]) -> None:
    assert sorted(checks) == sorted(CHECK_IDS)


def test_six_frameworks_ship(frameworks: dict[str, Framework]) -> None:
    assert sorted(frameworks) == sorted(EXPECTED_IDS)


@pytest.mark.parametrize("framework_id", sorted(EXPECTED_IDS))
def test_framework_lists_every_requirement_once(frameworks: dict[str, Framework], framework_id: str) -> None:
    ids = [r.id for r in frameworks[framework_id].requirements]
    assert len(ids) == len(set(ids)), f"duplicated requirement ids in {framework_id}"
    missing = [i for i in EXPECTED_IDS[framework_id] if i not in ids]
    extra = [i for i in ids if i not in EXPECTED_IDS[framework_id]]
    assert not missing and not extra, f"{framework_id}: missing {missing}, not in the reference {extra}"
    assert ids == EXPECTED_IDS[framework_id], f"{framework_id}: requirements out of the reference order"


@pytest.mark.parametrize("framework_id", sorted(EXPECTED_TITLES))
def test_titles_match_the_reference(frameworks: dict[str, Framework], framework_id: str) -> None:
    titles = {r.id: r.title for r in frameworks[framework_id].requirements}
    wrong = {i: t for i, t in titles.items() if EXPECTED_TITLES[framework_id].get(i) != t}
    assert not wrong, f"{framework_id}: titles differ from frameworks.md: {wrong}"


def test_mcp_top10_is_marked_beta(frameworks: dict[str, Framework]) -> None:
    assert frameworks["owasp_mcp_top10_2025"].status == "beta"
    assert "beta" in frameworks["owasp_mcp_top10_2025"].description.lower()


def test_mappings_name_real_checks_and_cover_every_check(
    checks: dict[str, CheckMeta], frameworks: dict[str, Framework]
) -> None:
    assert mapping_problems(checks, frameworks.values()) == []


def test_mapping_problems_reports_unknown_and_unmapped_checks(checks: dict[str, CheckMeta]) -> None:
    framework = Framework(
        id="toy", name="Toy", version="1", publisher="me", url="https://example.org", status="final",
        description="toy", requirement_attribute="group",
        requirements=[Requirement(id="R1", title="R1", group="g", description="d",
                                  checks=[CheckMapping(check="ID-99", strength="full")])],
    )
    problems = mapping_problems({"ID-01": checks["ID-01"]}, [framework])
    assert problems == ["toy: R1 maps ID-99, which is not a check", "ID-01 maps to no framework requirement"]


@pytest.mark.parametrize("check_id", sorted(MINIMUM))
def test_minimum_mappings_of_checks_md(frameworks: dict[str, Framework], check_id: str) -> None:
    mapped = {r.id for f in frameworks.values() for r in f.requirements if any(m.check == check_id for m in r.checks)}
    missing = [req for req in MINIMUM[check_id] if req not in mapped]
    assert not missing, f"{check_id} lacks the CHECKS.md minimum mappings {missing}"


def test_gate_follows_the_id_prefix(checks: dict[str, CheckMeta]) -> None:
    prefix = {"identity": "ID", "scope": "SC", "audit": "AU"}
    assert all(c.id.startswith(prefix[c.gate]) for c in checks.values())


# malformed files --------------------------------------------------------------------------------

def _write_check(folder: Path, check_id: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{check_id}.yaml"
    path.write_text(text)
    return path


def _valid_check_text(check_id: str = "ID-01") -> str:
    return (CHECKS_DIR / "ID-01.yaml").read_text().replace("id: ID-01", f"id: {check_id}")


def test_unknown_key_names_file_line_and_field(tmp_path: Path) -> None:
    folder = tmp_path / "checks"
    _write_check(folder, "ID-01", _valid_check_text() + "colour: red\n")
    with pytest.raises(CatalogError) as caught:
        load_checks(folder)
    (error,) = caught.value.errors
    assert error.file == "checks/ID-01.yaml" and error.field == "colour" and error.line is not None
    assert "checks/ID-01.yaml" in str(caught.value) and "colour" in str(caught.value)
    assert "unknown key" in str(caught.value)


def test_gate_that_contradicts_the_id_names_file_and_field(tmp_path: Path) -> None:
    folder = tmp_path / "checks"
    _write_check(folder, "ID-01", _valid_check_text().replace("gate: identity", "gate: audit"))
    with pytest.raises(CatalogError, match=r"checks/ID-01\.yaml:\d+: gate: ID-01 belongs to the identity gate"):
        load_checks(folder)


def test_gate_outside_the_three_gates_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "checks"
    _write_check(folder, "ID-01", _valid_check_text().replace("gate: identity", "gate: identiy"))
    with pytest.raises(CatalogError, match=r"checks/ID-01\.yaml:\d+: gate: Input should be 'identity', 'scope'"):
        load_checks(folder)


def test_read_only_relief_is_for_scope_checks_only(tmp_path: Path) -> None:
    folder = tmp_path / "checks"
    _write_check(folder, "ID-01", _valid_check_text() + "read_only_relief: true\n")
    with pytest.raises(CatalogError, match=r"checks/ID-01\.yaml:\d+: read_only_relief: only scope checks"):
        load_checks(folder)


def test_read_only_relief_marks_the_checks_read_only_tools_neutralize(checks: dict[str, CheckMeta]) -> None:
    # write tools and exfiltration chains need a non-read-only tool; everything else is not lifted
    assert sorted(c.id for c in checks.values() if c.read_only_relief) == ["SC-02", "SC-05"]


def test_relievable_checks_read_their_tools_from_tools_in_scope(checks: dict[str, CheckMeta]) -> None:
    # relief re-evaluates the check's SQL over the read-only tools; a query reading system_tools directly would
    # judge the same tools twice and never be relieved
    for check in (c for c in checks.values() if c.read_only_relief):
        sql = (default_checks_dir() / f"{check.id}.sql").read_text()
        assert "tools_in_scope" in sql and "FROM system_tools" not in sql, check.id


def test_the_rules_page_states_every_verdict_rule() -> None:
    text = render_rules()
    for heading in ("Tier derivation", "Sinks (SC-05", "Read-only relief", "Exceptions and the after-risk verdict",
                    "Expiry:", "Overrides.", "Tamper evidence (AU-05)", "Severity per tier", "Stale evidence"):
        assert heading in text, heading
    assert "TIER_THRESHOLDS_TABLE" not in text and "| `tamper_evidence` | verified | declared |" in text


def test_every_bad_file_is_reported_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "checks"
    _write_check(folder, "ID-01", _valid_check_text().replace("severity: critical", "severity: urgent"))
    _write_check(folder, "ID-02", _valid_check_text("ID-02").replace("evidence: [credentials, audit, connectors]",
                                                                      "evidence: []"))
    _write_check(folder, "ID-03", "id: [unclosed\n")
    with pytest.raises(CatalogError) as caught:
        load_checks(folder)
    assert [(e.file, e.field) for e in caught.value.errors] == [
        ("checks/ID-01.yaml", "severity"), ("checks/ID-02.yaml", "evidence"), ("checks/ID-03.yaml", ""),
    ]
    assert "YAML syntax error" in caught.value.errors[2].message


def test_file_name_must_be_the_check_id(tmp_path: Path) -> None:
    folder = tmp_path / "checks"
    _write_check(folder, "ID-09", _valid_check_text())
    with pytest.raises(CatalogError, match=r"checks/ID-09\.yaml:1: id: ID-01 does not match the file name ID-09"):
        load_checks(folder)


def test_duplicated_requirement_id_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "frameworks"
    folder.mkdir()
    text = (FRAMEWORKS_DIR / "owasp_llm_top10_2025.yaml").read_text().replace("id: LLM02:2025", "id: LLM01:2025")
    (folder / "owasp_llm_top10_2025.yaml").write_text(text)
    with pytest.raises(CatalogError, match=r"frameworks/owasp_llm_top10_2025\.yaml:\d+: requirements: .*LLM01:2025"):
        load_frameworks(folder)


def test_unknown_strength_names_the_mapping(tmp_path: Path) -> None:
    folder = tmp_path / "frameworks"
    folder.mkdir()
    text = (FRAMEWORKS_DIR / "owasp_llm_top10_2025.yaml").read_text().replace(
        "{check: ID-04, strength: partial}", "{check: ID-04, strength: strong}")
    (folder / "owasp_llm_top10_2025.yaml").write_text(text)
    with pytest.raises(CatalogError, match=r"requirements\.1\.checks\.0\.strength"):
        load_frameworks(folder)


def test_missing_queries_lists_checks_without_sql(tmp_path: Path) -> None:
    folder = tmp_path / "checks"
    _write_check(folder, "ID-01", _valid_check_text())
    _write_check(folder, "ID-02", _valid_check_text("ID-02"))
    (folder / "ID-02.sql").write_text("SELECT 1")
    assert missing_queries(folder) == ["ID-01"]


# the installed package and the generated docs ----------------------------------------------------

def test_installed_package_finds_the_catalog(checks: dict[str, CheckMeta]) -> None:
    assert load_checks(default_checks_dir()).keys() == checks.keys()
    assert {f.id for f in load_frameworks(default_frameworks_dir())} == set(EXPECTED_IDS)


def test_docs_checks_md_is_generated_from_the_catalog(
    checks: dict[str, CheckMeta], frameworks: dict[str, Framework]
) -> None:
    rendered = render_check_docs(checks, list(frameworks.values()))
    docs = ROOT / "docs" / "checks.md"
    assert docs.exists() and docs.read_text() == rendered, f"docs/checks.md is out of date; run `{REGENERATE}`"
