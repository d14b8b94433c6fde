"""The real-world config corpus through `mcp-clearance run`, as a new user would run it.

tests/fixtures/realworld/configs holds MCP client configs taken from public repositories and vendor
docs; manifest.yaml says, for each, where it came from, which client reads it, the servers that
client would start and the kind of every value in a secret position (real credentials there were
replaced by FAKEs of the same shape). The estate is built in a temporary folder with the files under
connectors/, each at the path it has in its repository, so the clients' conventional locations
are what the product sees.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

REALWORLD = Path(__file__).parent / "fixtures" / "realworld"
CONFIGS = REALWORLD / "configs"
MANIFEST: list[dict[str, Any]] = yaml.safe_load((REALWORLD / "manifest.yaml").read_text())["configs"]
CLIENTS = {"claude_desktop", "claude_code", "cursor", "vscode", "windsurf", "cline", "continue", "zed", "gemini_cli",
           "codex"}
FIELDS = {"env": "env", "header": "header", "arg": "arg"}
MAX_PLACEHOLDERS_FLAGGED = 0.05

INVENTORY = """\
systems:
  - id: realworld
    name: Real-world configs
    owner: owner@example.org
    team: platform
    business_unit: Engineering
    environment: production
    data_classes: [internal]
agents:
  - id: realworld-agent
    name: Real-world agent
    owner: owner@example.org
    kind: agent
connectors:
  - config: connectors/*
    system: realworld
    agent: realworld-agent
"""


@dataclass
class Run:
    db: Path
    returncode: int
    output: bytes
    reports: dict[str, bytes]


def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "mcp_clearance.cli", *args], capture_output=True, timeout=600)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    estate = tmp_path_factory.mktemp("realworld-estate")
    (estate / "inventory.yaml").write_text(INVENTORY)
    for entry in MANIFEST:
        target = estate / "connectors" / entry["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((CONFIGS / entry["file"]).read_bytes())
    db = estate.parent / "realworld.duckdb"
    proc = cli("run", str(estate), "--db", str(db), "--as-of", "2026-11-20")
    reports = {}
    for fmt in ("json", "csv", "markdown", "sarif"):
        report = cli("report", "--db", str(db), "--format", fmt)
        assert report.returncode == 0, report.stderr.decode()
        reports[fmt] = report.stdout + report.stderr
    return Run(db, proc.returncode, proc.stdout + proc.stderr, reports)


def query(run: Run, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(run.db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def source(entry: dict[str, Any]) -> str:
    return f"connectors/{entry['file']}"


def accepted(entry: dict[str, Any]) -> bool:
    return entry.get("accepted", True)


def secret_positions(kind: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(entry, s) for entry in MANIFEST for s in entry["secrets"] if s["kind"] == kind]


def stored_value(run: Run, entry: dict[str, Any], position: dict[str, Any]) -> dict[str, Any]:
    rows = query(run, """
        SELECT v.value_kind, v.is_secret, v.secret_kind FROM connector_values v
        JOIN connector_servers s USING (connector_id)
        WHERE s.source_file = ? AND s.server_name = ? AND v.field = ? AND v.key = ?""",
                 [source(entry), position["server"], FIELDS[position["field"]], position["key"]])
    assert len(rows) == 1, (entry["file"], position)
    value_kind, is_secret, secret_kind = rows[0]
    return {"value_kind": value_kind, "is_secret": is_secret, "secret_kind": secret_kind}


# The corpus itself -------------------------------------------------------------------------------------


def test_the_corpus_has_at_least_60_configs_across_all_ten_clients() -> None:
    per_client = Counter(entry["client"] for entry in MANIFEST)
    assert len(MANIFEST) >= 60 and set(per_client) == CLIENTS
    assert all(entry["repository"] and entry["path"] and len(entry["commit"]) == 40 for entry in MANIFEST)
    on_disk = {p.relative_to(CONFIGS).as_posix() for p in CONFIGS.rglob("*") if p.is_file()}
    assert on_disk == {entry["file"] for entry in MANIFEST}


def test_every_planted_fake_is_really_in_its_file() -> None:
    planted = [(entry["file"], fake) for entry in MANIFEST for fake in entry["planted"]]
    assert planted and all(fake in (CONFIGS / file).read_text() for file, fake in planted)


# Per file: client, servers, nothing wrongly quarantined ------------------------------------------------


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_each_file_is_read_as_its_client_with_the_servers_that_client_would_start(run: Run,
                                                                                  entry: dict[str, Any]) -> None:
    quarantined = query(run, "SELECT line, reason FROM quarantine WHERE source_file = ?", [source(entry)])
    if not accepted(entry):  # a file its client cannot parse either: set aside with its line, not loaded
        assert len(quarantined) == 1 and quarantined[0][0] is not None and "syntax error" in quarantined[0][1]
        return
    assert quarantined == []
    assert query(run, "SELECT format FROM sources WHERE source_file = ?", [source(entry)]) == [(entry["client"],)]
    candidates = entry.get("candidates", [entry["client"]])
    assert query(run, "SELECT client, client_candidates, servers FROM connector_sources WHERE source_file = ?",
                 [source(entry)]) == [(entry["client"], candidates, len(entry["servers"]))]
    rows = {name: rest for name, *rest in query(
        run, "SELECT server_name, transport, command, url, package_name, package_pinned FROM connector_servers "
             "WHERE source_file = ?", [source(entry)])}
    assert set(rows) == {s["name"] for s in entry["servers"]}
    for server in entry["servers"]:
        transport, command, url, package, pinned = rows[server["name"]]
        assert (transport, command, url) == (server["transport"], server.get("command"), server.get("url")), server
        if "package" in server:
            assert (package, pinned) == (server["package"], server["pinned"]), server


def test_only_the_unparsable_file_is_quarantined_and_the_run_says_so(run: Run) -> None:
    rejected = {source(entry) for entry in MANIFEST if not accepted(entry)}
    assert {file for (file,) in query(run, "SELECT DISTINCT source_file FROM quarantine")} == rejected
    assert run.returncode == (1 if rejected else 0), run.output.decode()
    assert b"Traceback" not in run.output


# Value kinds in secret positions ------------------------------------------------------------------------


def test_every_planted_real_format_secret_is_flagged(run: Run) -> None:
    positions = secret_positions("real")
    assert positions
    unflagged = [(e["file"], p["key"]) for e, p in positions if not stored_value(run, e, p)["is_secret"]]
    assert unflagged == []


def test_references_and_empty_values_are_never_secrets(run: Run) -> None:
    for kind, value_kind in (("reference", "reference"), ("empty", "empty")):
        positions = secret_positions(kind)
        assert positions, kind
        stored = [(e["file"], p["key"], stored_value(run, e, p)) for e, p in positions]
        assert [(f, k) for f, k, v in stored if v["is_secret"] or v["value_kind"] != value_kind] == []


def test_at_most_five_percent_of_placeholders_are_flagged_as_secrets(run: Run) -> None:
    positions = secret_positions("placeholder")
    assert len(positions) >= 20
    flagged = [(e["file"], p["key"]) for e, p in positions if stored_value(run, e, p)["is_secret"]]
    assert len(flagged) <= MAX_PLACEHOLDERS_FLAGGED * len(positions), flagged


def test_placeholders_are_classified_as_placeholders(run: Run) -> None:
    positions = secret_positions("placeholder")
    misread = [(e["file"], p["key"], stored_value(run, e, p)["value_kind"]) for e, p in positions
               if stored_value(run, e, p)["value_kind"] != "placeholder"]
    assert misread == []


# No fake secret stored or reported ---------------------------------------------------------------------


def test_no_planted_fake_reaches_the_database_a_report_or_the_output(run: Run) -> None:
    fakes = [fake for entry in MANIFEST for fake in entry["planted"]]
    outputs = {"database": run.db.read_bytes(), "run output": run.output, **run.reports}
    outputs.update({wal.name: wal.read_bytes() for wal in run.db.parent.glob("*.wal")})
    leaks = [(name, fake[:6] + "…") for name, data in outputs.items() for fake in fakes if fake.encode() in data]
    assert leaks == []


def test_an_estate_of_ordinary_client_files_without_servers_runs_clean(tmp_path: Path) -> None:
    ordinary = [entry for entry in MANIFEST if accepted(entry) and not entry["servers"]]
    assert {entry["client"] for entry in ordinary} >= {"vscode", "zed", "codex", "claude_desktop", "continue"}
    estate = tmp_path / "estate"
    (estate / "connectors").mkdir(parents=True)
    (estate / "inventory.yaml").write_text(INVENTORY)
    for entry in ordinary:
        target = estate / "connectors" / entry["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((CONFIGS / entry["file"]).read_bytes())
    db = tmp_path / "ordinary.duckdb"
    proc = cli("run", str(estate), "--db", str(db), "--as-of", "2026-11-20")
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
        assert con.execute("SELECT count(*), sum(servers) FROM connector_sources").fetchone() == (len(ordinary), 0)
