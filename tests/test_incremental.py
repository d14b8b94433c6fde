"""Incremental runs: a re-run copies the rows of unchanged files from the published database, and its every table,
view, finding and verdict is the one a full read gives; a changed, added or removed file is read (or dropped)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

import mcp_clearance
from mcp_clearance import cli
from mcp_clearance.evaluate import queries_dir
from mcp_clearance.incremental import Reuse, evidence_fingerprint
from mcp_clearance.run import RunResult, run
from mcp_clearance.sample_estate import DEFAULT_AS_OF
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import create_schema

SAMPLE = Path(__file__).parent.parent / "sample_data"
# Columns that say when a run happened, not what it found.
RUN_TIME_COLUMNS = {"published_at"}
REUSED_FAMILIES = ("connectors", "credentials", "audit")

EDITED_LOG = "audit/toolhive/billing-api.billing.audit.jsonl.gz"
EDITED_TRAIL = "audit/cloudtrail/111122223333_CloudTrail_eu-west-1_20261119T0205Z_0fcb88b94d52f304.json.gz"
DIGEST_OF_TRAIL = ("audit/CloudTrail-Digest/eu-west-1/2026/11/20/"
                   "111122223333_CloudTrail-Digest_eu-west-1_siem-worm_eu-west-1_20261120T000000Z.json.gz")
REMOVED_CREDENTIALS = "credentials/vault/kubernetes-sre-sre-agent.json"
COPIED_CONNECTOR = "connectors/dev-tooling/.cursor/mcp.json"
ADDED_CONNECTOR = "connectors/dev-tooling-copy/.cursor/mcp.json"


def relations(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table and view of a published database, as the sorted rows of its columns (run times left out)."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = [n for (n,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' UNION ALL "
            "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal ORDER BY 1").fetchall()]
        rows = {}
        for name in names:
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ? "
                "ORDER BY column_index", [name]).fetchall() if c not in RUN_TIME_COLUMNS]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows[name] = con.execute(f'SELECT {listed} FROM "{name}" ORDER BY ALL').fetchall()
    return rows


def assert_same_relations(full: Path, incremental: Path) -> None:
    expected, found = relations(full), relations(incremental)
    assert sorted(found) == sorted(expected)
    views = {p.stem for p in queries_dir().glob("*.sql")}
    assert views <= set(expected), "every view in queries/ is compared"
    assert {"findings", "verdicts", "tool_calls", "target_events", "connector_values", "sources", "quarantine"} \
        <= set(expected)
    differing = [name for name in expected if found[name] != expected[name]]
    assert differing == [], f"incremental run differs from a full read in {differing}"


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def reusable_files(db: Path) -> int:
    """Files a re-run of the same estate may reuse, by the rules: loaded through a format family, by a format whose
    rows depend on that file alone (not a CloudTrail digest), and not rejected as a whole."""
    return query(db, """
        SELECT count(*) FROM sources AS s
        WHERE family IN ('connectors', 'credentials', 'audit') AND format IS NOT NULL AND format <> 'cloudtrail_digest'
          AND NOT EXISTS (SELECT 1 FROM quarantine AS q
                          WHERE q.source_file = s.source_file AND q.family = s.family AND q.line IS NULL)
    """)[0][0]


def rerun(sample_run: Path, estate: Path, folder: Path, **options: Any) -> tuple[Path, RunResult]:
    """Run `estate` onto a copy of the full read's database (its published run is the previous one)."""
    db = folder / "estate.duckdb"
    shutil.copyfile(sample_run, db)
    return db, run(estate, db, as_of=DEFAULT_AS_OF, **options)


@pytest.fixture(scope="module")
def unchanged_rerun(sample_run: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunResult]:
    return rerun(sample_run, SAMPLE, tmp_path_factory.mktemp("unchanged"))


def test_unchanged_rerun_reuses_every_reusable_file(sample_run: Path, unchanged_rerun: tuple[Path, RunResult]) -> None:
    _, result = unchanged_rerun
    expected = reusable_files(sample_run)
    assert expected > 100  # the sample's connector, credential and audit files, less its digests
    assert result.reused_files == expected
    assert result.quarantined == len(query(sample_run, "SELECT * FROM quarantine"))


def test_unchanged_rerun_matches_a_full_read_in_every_table_and_view(
        sample_run: Path, unchanged_rerun: tuple[Path, RunResult]) -> None:
    db, _ = unchanged_rerun
    assert_same_relations(sample_run, db)


def _edit_gzip(path: Path, old: str, new: str) -> None:
    text = gzip.decompress(path.read_bytes()).decode()
    assert old in text
    path.write_bytes(gzip.compress(text.replace(old, new, 1).encode(), mtime=0))


@pytest.fixture(scope="module")
def changed_estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample estate with a ToolHive log and a CloudTrail log edited, a credential file removed and a connector
    config added."""
    estate = tmp_path_factory.mktemp("changed") / "estate"
    shutil.copytree(SAMPLE, estate)
    _edit_gzip(estate / EDITED_LOG, '"name":"get_subscription"', '"name":"edited_tool_probe"')
    _edit_gzip(estate / EDITED_TRAIL, '"eventName":"GetItem"', '"eventName":"EditedEventProbe"')
    (estate / REMOVED_CREDENTIALS).unlink()
    (estate / ADDED_CONNECTOR).parent.mkdir(parents=True)
    shutil.copyfile(estate / COPIED_CONNECTOR, estate / ADDED_CONNECTOR)
    return estate


@pytest.fixture(scope="module")
def changed_rerun(sample_run: Path, changed_estate: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunResult]:
    return rerun(sample_run, changed_estate, tmp_path_factory.mktemp("changed-rerun"))


def test_edited_file_is_read_again(sample_run: Path, changed_rerun: tuple[Path, RunResult]) -> None:
    db, result = changed_rerun
    calls = "SELECT tool_name, count(*) FROM tool_calls WHERE source_file = ? GROUP BY ALL"
    before, after = dict(query(sample_run, calls, [EDITED_LOG])), dict(query(db, calls, [EDITED_LOG]))
    assert "edited_tool_probe" not in before
    assert after["edited_tool_probe"] == 1
    assert after["get_subscription"] == before["get_subscription"] - 1
    events = "SELECT count(*) FROM target_events WHERE source_file = ? AND event_name = 'EditedEventProbe'"
    assert query(db, events, [EDITED_TRAIL]) == [(1,)]
    assert query(db, "SELECT sha256 FROM sources WHERE source_file = ?", [EDITED_LOG]) != \
        query(sample_run, "SELECT sha256 FROM sources WHERE source_file = ?", [EDITED_LOG])
    # the two edited files and the added one are read; the removed one is gone
    assert result.reused_files == reusable_files(sample_run) - 3


def test_digest_is_verified_again_when_a_log_file_it_lists_changes(
        sample_run: Path, changed_rerun: tuple[Path, RunResult]) -> None:
    db, _ = changed_rerun
    status = "SELECT status FROM audit_digests WHERE digest_file = ?"
    assert query(sample_run, status, [DIGEST_OF_TRAIL]) == [("verified",)]
    assert query(db, status, [DIGEST_OF_TRAIL]) == [("contradicted",)]


def test_removed_file_rows_disappear(sample_run: Path, changed_rerun: tuple[Path, RunResult]) -> None:
    db, _ = changed_rerun
    for table in ("credentials", "sources"):
        sql = f"SELECT count(*) FROM {table} WHERE source_file = ?"
        assert query(sample_run, sql, [REMOVED_CREDENTIALS])[0][0] > 0
        assert query(db, sql, [REMOVED_CREDENTIALS]) == [(0,)]


def test_added_file_appears(sample_run: Path, changed_rerun: tuple[Path, RunResult]) -> None:
    db, _ = changed_rerun
    servers = "SELECT server_name FROM connector_servers WHERE source_file = ? ORDER BY ALL"
    copied = query(sample_run, servers, [COPIED_CONNECTOR])
    assert copied and query(db, servers, [ADDED_CONNECTOR]) == copied


def test_changed_rerun_matches_a_full_read_of_the_changed_estate(
        sample_run: Path, changed_estate: Path, changed_rerun: tuple[Path, RunResult], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    db, _ = changed_rerun
    full_of_changed = tmp_path / "estate.duckdb"
    shutil.copyfile(sample_run, full_of_changed)  # a published run to reuse from, which --full ignores
    results: list[RunResult] = []

    def recorded(*args: Any, **kwargs: Any) -> RunResult:
        results.append(run(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(cli.runner, "run", recorded)
    outcome = CliRunner().invoke(cli.main, ["run", str(changed_estate), "--db", str(full_of_changed),
                                            "--as-of", DEFAULT_AS_OF.isoformat(), "--full"])
    assert outcome.exit_code == 1, outcome.output  # done; the sample sets three records aside
    assert [r.reused_files for r in results] == [0]
    assert_same_relations(full_of_changed, db)


def test_corrupt_previous_database_means_a_full_read(sample_run: Path, tmp_path: Path) -> None:
    db = tmp_path / "estate.duckdb"
    db.write_bytes(b"not a DuckDB file" * 1000)
    result = run(SAMPLE, db, as_of=DEFAULT_AS_OF)
    assert result.reused_files == 0
    assert result.history_note and "could not be read" in result.history_note
    evidence = ("tool_calls", "target_events", "credentials", "connector_values", "sources", "quarantine")
    expected, found = relations(sample_run), relations(db)
    assert [t for t in evidence if found[t] != expected[t]] == []


def _fresh_connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_schema(con)
    return con


def test_new_product_version_reads_every_file(sample_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scanner = SecretScanner.for_installation()
    current = evidence_fingerprint(scanner)
    reuse, _ = Reuse.from_published(_fresh_connection(), sample_run, current)
    assert reuse is not None and reuse.sources  # same version: the published files can be reused
    monkeypatch.setattr(mcp_clearance, "__version__", "99.0.0")
    upgraded = evidence_fingerprint(scanner)
    assert upgraded != current
    reuse, note = Reuse.from_published(_fresh_connection(), sample_run, upgraded)
    assert reuse is None and "another loader version" in note


def test_new_fingerprint_key_reads_every_file(sample_run: Path) -> None:
    """Secrets are fingerprinted with the installation's key: under another key no published row is reused."""
    installed = evidence_fingerprint(SecretScanner.for_installation())
    other = evidence_fingerprint(SecretScanner(b"another installation's key" * 2))
    assert other != installed
    assert evidence_fingerprint(SecretScanner.for_installation()) == installed
    reuse, note = Reuse.from_published(_fresh_connection(), sample_run, other)
    assert reuse is None and "fingerprint key" in note


def test_database_of_an_older_layout_means_a_full_read(sample_run: Path, tmp_path: Path) -> None:
    older = tmp_path / "older.duckdb"
    shutil.copyfile(sample_run, older)
    with duckdb.connect(str(older)) as con:
        con.execute("ALTER TABLE clearance_meta DROP COLUMN evidence_fingerprint")
    fingerprint = evidence_fingerprint(SecretScanner.for_installation())
    reuse, note = Reuse.from_published(_fresh_connection(), older, fingerprint)
    assert reuse is None and "older layout" in note
