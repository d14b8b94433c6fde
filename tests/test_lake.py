"""The evidence lake (docs/lake.md): `mcp-clearance export --parquet` writes every evidence table of a published run,
the audit tables Hive-partitioned by event date and source format; an estate whose audit/ holds only a lake.yaml
pointing at that lake is judged exactly as the plain estate; a lake that is foreign, old, truncated, corrupt or
carries secrets is quarantined or redacted, never a traceback.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from mcp_clearance import lake
from mcp_clearance.cli import main
from mcp_clearance.pipelines.audit import lake as lake_format
from mcp_clearance.run import ingest, run
from mcp_clearance.sample_estate import DEFAULT_AS_OF
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import SCHEMA_VERSION, create_schema

SAMPLE = Path(__file__).parent.parent / "sample_data"
# What a lake run may differ in from the plain run, and why: which files were read (the lake.yaml, not the log
# files), and when the run was published (its own clock).
PROVENANCE = {"sources", "run_context", "runs", "clearance_meta"}
HIVE_TYPES = "{'event_date': 'DATE', 'source_format': 'VARCHAR'}"
# Fakes of real shapes: a GitHub token with a valid-looking body, a password in URL userinfo.
GITHUB_TOKEN = "ghp_" + "Zq8vN3xR7tY2mK5pL9wB4cH6dJ1fG0sA3eU7"
URL_PASSWORD = "pw-Vq93XkLr27"


@pytest.fixture(scope="module")
def exported(sample_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lake") / "lake"
    result = CliRunner().invoke(main, ["export", "--db", str(sample_run), "--parquet", str(out)])
    assert result.exit_code == 0, result.output
    return out


def lake_estate(folder: Path, lake_yaml: str) -> Path:
    """The sample estate with every audit file replaced by one audit/lake.yaml."""
    estate = folder / "estate"
    shutil.copytree(SAMPLE, estate, ignore=lambda d, names: names if Path(d).name == "audit" else [])
    (estate / "audit" / "lake.yaml").write_text(lake_yaml)
    return estate


@pytest.fixture(scope="module")
def lake_run(exported: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lake_run")
    estate = lake_estate(folder, f"path: {exported}\n")
    assert sorted(p.name for p in (estate / "audit").iterdir()) == ["lake.yaml"]
    db = folder / "estate.duckdb"
    run(estate, db, as_of=DEFAULT_AS_OF)
    return db


def rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple]:
    return sorted(con.execute(query).fetchall(), key=repr)


def db_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


# -- the export ---------------------------------------------------------------------------------------------------


def test_manifest_lists_every_evidence_table_with_the_databases_row_count(sample_run: Path, exported: Path) -> None:
    manifest = json.loads((exported / "manifest.json").read_text())
    schema_tables = re.findall(r"^CREATE TABLE (\w+)", (Path(lake_format.__file__).parents[1] / "schema.sql")
                               .read_text(), flags=re.MULTILINE)
    assert set(manifest["tables"]) == {*schema_tables, "run_context"}
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["as_of"] == DEFAULT_AS_OF.isoformat()
    with duckdb.connect(str(sample_run), read_only=True) as con:
        for table, entry in manifest["tables"].items():
            assert entry["rows"] == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0], table
            expected = ["event_date", "source_format"] if table in ("tool_calls", "target_events") else []
            assert entry["partitioned_by"] == expected, table
        assert manifest["tables"]["tool_calls"]["rows"] > 0 and manifest["tables"]["target_events"]["rows"] > 0


def test_every_table_reads_back_as_the_database_rows(sample_run: Path, exported: Path) -> None:
    manifest = json.loads((exported / "manifest.json").read_text())
    reader = duckdb.connect()
    with duckdb.connect(str(sample_run), read_only=True) as con:
        for table in manifest["tables"]:
            columns = ", ".join(f'"{c}"' for c in db_columns(con, table))
            if table in ("tool_calls", "target_events"):
                source = (f"read_parquet('{exported}/{table}/**/*.parquet', hive_partitioning = true, "
                          f"hive_types = {HIVE_TYPES})")
            else:
                source = f"read_parquet('{exported}/{table}/data.parquet')"
            assert rows(reader, f"SELECT {columns} FROM {source}") == rows(con, f"SELECT {columns} FROM {table}"), \
                table


@pytest.mark.parametrize("table", ["tool_calls", "target_events"])
def test_audit_partitions_are_the_event_day_and_source_format(sample_run: Path, exported: Path, table: str) -> None:
    files = sorted((exported / table).rglob("*.parquet"))
    assert len(files) > 1
    for file in files:
        parts = file.relative_to(exported / table).parts
        assert re.fullmatch(r"event_date=(\d{4}-\d{2}-\d{2}|__HIVE_DEFAULT_PARTITION__)", parts[0]), parts
        assert re.fullmatch(r"source_format=[a-z_]+", parts[1]), parts
    reader = duckdb.connect()
    source = f"read_parquet('{exported}/{table}/**/*.parquet', hive_partitioning = true, hive_types = {HIVE_TYPES})"
    types = dict(reader.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {source})").fetchall())
    assert (types["event_date"], types["source_format"]) == ("DATE", "VARCHAR")
    # the day is the event's own (UTC), NULL for an event without a time
    assert reader.execute(f"SELECT count(*) FROM {source} WHERE event_date IS DISTINCT FROM occurred_at::DATE"
                          ).fetchone()[0] == 0
    with duckdb.connect(str(sample_run), read_only=True) as con:
        if table == "tool_calls":
            expected = rows(con, "SELECT source_format, count(*) FROM tool_calls GROUP BY ALL")
        else:  # the format of the file each event was read from, as `sources` records it
            expected = rows(con, "SELECT s.format, count(*) FROM target_events AS t JOIN sources AS s "
                                 "USING (source_file) GROUP BY ALL")
    assert rows(reader, f"SELECT source_format, count(*) FROM {source} GROUP BY ALL") == expected


def test_the_documented_layout_is_what_export_writes(exported: Path) -> None:
    """docs/lake.md is the contract another system writes to: each table's row lists its files and every column with
    its type, in order, exactly as the manifest describes what was written."""
    doc = (Path(__file__).parent.parent / "docs" / "lake.md").read_text()
    documented = {m["table"]: (m["files"], re.findall(r"`(\w+) ([A-Z][A-Z \[\]]*)`", m["columns"]))
                  for m in re.finditer(r"^\| `(?P<table>\w+)` \| `(?P<files>[^`]+)` \| (?P<columns>.+) \|$", doc,
                                       flags=re.MULTILINE)}
    manifest = json.loads((exported / "manifest.json").read_text())
    assert set(documented) == set(manifest["tables"])
    for table, entry in manifest["tables"].items():
        files, columns = documented[table]
        assert columns == list(entry["columns"].items()), table
        assert files == (f"{table}/event_date=…/source_format=…/*.parquet" if entry["partitioned_by"]
                         else f"{table}/data.parquet"), table


def test_export_replaces_an_earlier_lake_but_never_a_foreign_folder(sample_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "lake"
    lake.export(sample_run, out)
    (out / "stale.txt").write_text("left by the previous export")
    lake.export(sample_run, out)
    assert not (out / "stale.txt").exists() and (out / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake"]  # no staging folder left behind
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"\xff\xd8")
    result = CliRunner().invoke(main, ["export", "--db", str(sample_run), "--parquet", str(foreign)])
    assert result.exit_code == 2 and "holds no lake" in result.output
    assert (foreign / "holiday.jpg").read_bytes() == b"\xff\xd8"


def test_export_of_a_missing_database_names_the_command_to_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--db", str(tmp_path / "none.duckdb"), "--parquet",
                                       str(tmp_path / "lake")])
    assert result.exit_code == 2
    assert "mcp-clearance run ESTATE" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "lake").exists()


# -- the lake as an audit source ----------------------------------------------------------------------------------


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                                      "ORDER BY table_name").fetchall()]


def test_a_lake_run_gives_the_plain_runs_verdicts_findings_and_views(sample_run: Path, lake_run: Path) -> None:
    with duckdb.connect(str(sample_run), read_only=True) as a, duckdb.connect(str(lake_run), read_only=True) as b:
        names = relations(a)
        assert relations(b) == names
        for must in ("verdicts", "findings", "check_results", "gate_results", "path_to_clearance", "tool_calls",
                     "target_events", "audit_digests", "quarantine", "estate_summary"):
            assert must in names
        for name in names:
            if name not in PROVENANCE:
                assert rows(b, f'SELECT * FROM "{name}"') == rows(a, f'SELECT * FROM "{name}"'), name
        assert b.execute("SELECT count(*) FROM verdicts WHERE verdict = 'CLEARED'").fetchone()[0] > 0
        assert rows(b, "SELECT source_file, family, format FROM sources WHERE family = 'audit'") == [
            ("audit/lake.yaml", "audit", "lake")]


def lake_copy(exported: Path, folder: Path) -> Path:
    copy = folder / "lake"
    shutil.copytree(exported, copy)
    return copy


def load_lake(folder: Path, lake_yaml: str) -> tuple[duckdb.DuckDBPyConnection, list[tuple]]:
    """Ingest an estate of only audit/lake.yaml (the real ingest: format detection, loading, audit redaction)."""
    estate = folder / "estate"
    (estate / "audit").mkdir(parents=True)
    (estate / "audit" / "lake.yaml").write_text(lake_yaml)
    con = duckdb.connect()
    create_schema(con)
    ctx = ingest(con, estate, SecretScanner(b"lake-test-key!!!" * 2))
    return con, [q for q in ctx.quarantined if q[1] == "audit"]


def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_a_lake_of_another_schema_version_is_quarantined_and_nothing_loads(exported: Path, tmp_path: Path) -> None:
    copy = lake_copy(exported, tmp_path)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["schema_version"] = SCHEMA_VERSION + 1
    (copy / "manifest.json").write_text(json.dumps(manifest))
    con, quarantined = load_lake(tmp_path, f"path: {copy}\n")
    assert count(con, "tool_calls") == count(con, "target_events") == count(con, "audit_digests") == 0
    assert len(quarantined) == 1
    source, _, line, reason = quarantined[0]
    assert source == "audit/lake.yaml" and line is None
    assert f"schema version {SCHEMA_VERSION + 1}" in reason and f"reads schema version {SCHEMA_VERSION}" in reason


def test_a_lake_without_manifest_is_quarantined(exported: Path, tmp_path: Path) -> None:
    copy = lake_copy(exported, tmp_path)
    (copy / "manifest.json").unlink()
    con, quarantined = load_lake(tmp_path, f"path: {copy}\n")
    assert count(con, "tool_calls") == 0
    assert [(q[0], q[3]) for q in quarantined] == [
        ("audit/lake.yaml", "the lake has no manifest.json (docs/lake.md): nothing is read from a lake whose schema "
                            "version is unknown")]


def test_a_corrupt_parquet_file_is_quarantined_and_the_rest_loads(exported: Path, tmp_path: Path) -> None:
    copy = lake_copy(exported, tmp_path)
    victim = sorted((copy / "tool_calls").rglob("*.parquet"))[0]
    lost = duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)", [str(victim)]).fetchone()[0]
    assert lost > 0
    victim.write_bytes(b"PAR1 this is no longer a Parquet file PAR1")
    total = json.loads((copy / "manifest.json").read_text())["tables"]["tool_calls"]["rows"]
    con, quarantined = load_lake(tmp_path, f"path: {copy}\n")
    assert count(con, "tool_calls") == total - lost
    assert count(con, "target_events") > 0
    relative = victim.relative_to(copy).as_posix()
    reasons = [q[3] for q in quarantined if q[0] == "audit/lake.yaml"]
    assert len(reasons) == 1 and reasons[0].startswith(f"tool_calls: {relative}: not a readable Parquet file")


def test_a_partial_copy_is_noted_and_what_is_there_loads(exported: Path, tmp_path: Path) -> None:
    copy = lake_copy(exported, tmp_path)
    day = sorted((copy / "target_events").iterdir())[0]
    lost = duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)", [f"{day}/**/*.parquet"]).fetchone()[0]
    shutil.rmtree(day)
    total = json.loads((copy / "manifest.json").read_text())["tables"]["target_events"]["rows"]
    con, quarantined = load_lake(tmp_path, f"path: {copy}\n")
    assert count(con, "target_events") == total - lost
    assert [q[3] for q in quarantined if q[0] == "audit/lake.yaml"] == [
        f"target_events: the lake holds {total - lost} row(s), its manifest lists {total} (a partial copy?); the rows "
        "present are loaded"]


def test_since_and_until_prune_partitions(sample_run: Path, exported: Path, tmp_path: Path) -> None:
    con, quarantined = load_lake(tmp_path, f"path: {exported}\nsince: 2026-11-10\nuntil: 2026-11-15\n"
                                           "tables: [tool_calls]\n")
    assert quarantined == []
    with duckdb.connect(str(sample_run), read_only=True) as source:
        expected = source.execute("SELECT count(*) FROM tool_calls WHERE occurred_at IS NULL OR occurred_at::DATE "
                                  "BETWEEN DATE '2026-11-10' AND DATE '2026-11-15'").fetchone()[0]
    assert 0 < expected == count(con, "tool_calls")
    assert count(con, "target_events") == count(con, "audit_digests") == 0


def foreign_lake(root: Path, calls_sql: str, manifest_rows: int = 1) -> None:
    """A lake written by another system: one tool_calls partition from `calls_sql`, a manifest of this version."""
    partition = root / "tool_calls" / "event_date=2026-11-19" / "source_format=gateway"
    partition.mkdir(parents=True)
    duckdb.connect().execute(f"COPY ({calls_sql}) TO '{partition / 'part-00000.parquet'}' (FORMAT parquet)")
    (root / "manifest.json").write_text(json.dumps({
        "schema_version": SCHEMA_VERSION, "as_of": "2026-11-20", "exported_at": "2026-11-20T00:00:00Z",
        "tables": {"tool_calls": {"rows": manifest_rows, "partitioned_by": ["event_date", "source_format"]},
                   "target_events": {"rows": 0, "partitioned_by": ["event_date", "source_format"]}}}))


def test_secrets_in_a_foreign_lake_are_redacted_before_storage(tmp_path: Path) -> None:
    root = tmp_path / "foreign"
    foreign_lake(root, f"""
        SELECT 'evt-1' AS event_id, TIMESTAMPTZ '2026-11-19 10:00:00+02' AS occurred_at, 'crm' AS server_name,
               'query' AS tool_name, 'agent-a' AS agent_identity, 'Bearer {GITHUB_TOKEN}' AS delegated_user,
               'postgres://svc:{URL_PASSWORD}@db.acme.example/crm' AS target_resource,
               ['https://idp.acme.example/cb?access_token={URL_PASSWORD}'] AS delegation_chain,
               'exports/{GITHUB_TOKEN}/gateway.jsonl' AS source_file, 7::INTEGER AS source_line""")
    con, quarantined = load_lake(tmp_path, "path: ../../foreign\n")  # relative to the folder of lake.yaml
    assert quarantined == []
    row = con.execute("SELECT event_id, occurred_at, source_format, delegated_user, target_resource, "
                      "delegation_chain, source_file, source_line FROM tool_calls").fetchone()
    assert row[0] == "evt-1" and str(row[1]) == "2026-11-19 08:00:00"  # a zoned time is stored as UTC
    assert row[2] == "gateway" and row[7] == 7
    stored = repr(con.execute("SELECT * FROM tool_calls").fetchall())
    assert GITHUB_TOKEN not in stored and URL_PASSWORD not in stored
    assert "ghp_****[github_token, 40 chars]" in row[3] and "ghp_****[github_token, 40 chars]" in row[6]
    assert "****[url_password" in row[4] and "****[url_token" in row[5][0]


def test_secrets_in_a_foreign_lakes_partition_names_and_digests_are_redacted(tmp_path: Path) -> None:
    root = tmp_path / "foreign"
    calls = root / "tool_calls" / "event_date=2026-11-19" / f"source_format=gw-{GITHUB_TOKEN}"
    events = root / "target_events" / "event_date=2026-11-19" / "source_format=cloudtrail"
    digests = root / "audit_digests"
    for folder in (calls, events, digests):
        folder.mkdir(parents=True)
    writer = duckdb.connect()
    writer.execute(f"COPY (SELECT 'evt-1' AS event_id) TO '{calls / 'part-0.parquet'}' (FORMAT parquet)")
    writer.execute(f"COPY (SELECT 'te-1' AS event_id, TIMESTAMP '2026-11-19 10:00' AS occurred_at, "
                   f"'arn:aws:iam::111122223333:role/agent?X-Amz-Security-Token={URL_PASSWORD}' AS principal_arn) "
                   f"TO '{events / 'part-0.parquet'}' (FORMAT parquet)")
    writer.execute(f"COPY (SELECT 'd-1.json.gz' AS digest_file, 'siem-worm' AS trail_name, 1 AS log_files_listed, "
                   f"1 AS log_files_checked, 'contradicted' AS status, "
                   f"'log.json.gz: hash mismatch, token={URL_PASSWORD}' AS problem, 'not_checked' AS signature, "
                   f"'audit/{GITHUB_TOKEN}/d-1.json.gz' AS source_file) "
                   f"TO '{digests / 'data.parquet'}' (FORMAT parquet)")
    (root / "manifest.json").write_text(json.dumps({"schema_version": SCHEMA_VERSION, "tables": {
        "tool_calls": {"rows": 1}, "target_events": {"rows": 1}, "audit_digests": {"rows": 1}}}))
    con, quarantined = load_lake(tmp_path, f"path: {root}\n")
    assert quarantined == []
    assert count(con, "tool_calls") == count(con, "target_events") == count(con, "audit_digests") == 1
    stored = "".join(repr(con.execute(f"SELECT * FROM {t}").fetchall())
                     for t in ("tool_calls", "target_events", "audit_digests"))
    assert GITHUB_TOKEN not in stored and URL_PASSWORD not in stored
    assert con.execute("SELECT source_format FROM tool_calls").fetchone() == ("gw-ghp_****[github_token, 40 chars]",)
    assert con.execute("SELECT status, trail_name FROM audit_digests").fetchone() == ("contradicted", "siem-worm")


def test_a_foreign_lake_without_provenance_or_with_wrong_types_is_judged_by_the_contract(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    foreign_lake(bare, "SELECT 'evt-1' AS event_id, TIMESTAMP '2026-11-19 10:00' AS occurred_at")
    con, quarantined = load_lake(tmp_path / "a", f"path: {bare}\n")
    assert quarantined == []
    assert con.execute("SELECT source_file, server_name FROM tool_calls").fetchall() == [
        ("audit/lake.yaml#tool_calls/event_date=2026-11-19/source_format=gateway/part-00000.parquet", None)]
    typed = tmp_path / "typed"
    foreign_lake(typed, "SELECT 'evt-1' AS event_id, '2026-11-19 10:00' AS occurred_at")
    con, quarantined = load_lake(tmp_path / "b", f"path: {typed}\n")
    assert count(con, "tool_calls") == 0
    assert [q[3] for q in quarantined] == [
        "tool_calls: tool_calls/event_date=2026-11-19/source_format=gateway/part-00000.parquet: column occurred_at is "
        "VARCHAR, the contract says TIMESTAMP; not read"]
    nested = tmp_path / "nested"  # a nested type names the writer's fields, which are input and never quoted
    foreign_lake(nested, f"SELECT {{'{GITHUB_TOKEN}': 1}} AS event_id")
    con, quarantined = load_lake(tmp_path / "n", f"path: {nested}\n")
    assert [q[3] for q in quarantined] == [
        "tool_calls: tool_calls/event_date=2026-11-19/source_format=gateway/part-00000.parquet: column event_id is "
        "a nested type, the contract says VARCHAR; not read"]
    nameless = tmp_path / "nameless"
    foreign_lake(nameless, "SELECT * FROM (VALUES ('evt-1'), (NULL)) AS v(event_id)", manifest_rows=2)
    con, quarantined = load_lake(tmp_path / "c", f"path: {nameless}\n")
    assert count(con, "tool_calls") == 1
    assert [q[3] for q in quarantined] == [
        "tool_calls: tool_calls/event_date=2026-11-19/source_format=gateway/part-00000.parquet: 1 row(s) without "
        "event_id set aside"]


@pytest.mark.parametrize(("lake_yaml", "expected"), [
    ("path: /nowhere\nbucket: x\n", (2, "bucket: unknown key (not part of the format; check the spelling)")),
    ("path: /nowhere\nsince: 2026-11-20\nuntil: 2026-11-01\n", (1, "since is after until")),
    ("since: 2026-11-20\n", (1, "path: Field required")),
    ("- path: /nowhere\n", (None, "expected a mapping with path: at the top level")),
    ("path: /nowhere\n", (None, "path: no lake folder there (a relative path is read from the folder of lake.yaml)")),
    ("path: https://lake.acme.example/mcp\n", (None, "path: a local folder or an s3:// or gs:// prefix")),
])
def test_an_invalid_lake_yaml_is_quarantined_with_its_line(tmp_path: Path, lake_yaml: str,
                                                           expected: tuple[int | None, str]) -> None:
    con, quarantined = load_lake(tmp_path, lake_yaml)
    assert count(con, "tool_calls") == 0
    assert [(q[0], q[2], q[3]) for q in quarantined] == [("audit/lake.yaml", *expected)]


def test_an_object_store_lake_without_httpfs_says_how_to_install_it_and_downloads_nothing(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    (estate / "audit").mkdir(parents=True)
    (estate / "audit" / "lake.yaml").write_text("path: s3://acme-audit-lake/mcp/\n")
    con = duckdb.connect()
    create_schema(con)
    # an extension folder of its own: whatever this machine has installed, the run sees no httpfs, and may not fetch
    con.execute(f"SET extension_directory = '{tmp_path / 'extensions'}'")
    ctx = ingest(con, estate, SecretScanner(b"lake-test-key!!!" * 2))
    assert [(q[0], q[3]) for q in ctx.quarantined if q[1] == "audit"] == [
        ("audit/lake.yaml", lake_format.HTTPFS_MISSING)]
    assert "install_extension('httpfs')" in lake_format.HTTPFS_MISSING
    assert not (tmp_path / "extensions").exists()
    assert con.execute("SELECT installed FROM duckdb_extensions() WHERE extension_name = 'httpfs'").fetchone() == (
        False,)
