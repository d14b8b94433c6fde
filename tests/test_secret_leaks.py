"""No literal secret planted in the sample estate may appear in the database, a report or any output."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from mcp_clearance.report import REPORT_FORMATS
from mcp_clearance.sample_estate import DEFAULT_AS_OF, planted_secrets

SAMPLE = Path(__file__).parent.parent / "sample_data"


@pytest.fixture(scope="module")
def secrets() -> list[str]:
    found = planted_secrets()
    assert len(found) >= 5, "the sample estate must plant literal secrets"
    return found


def test_the_planted_secrets_really_are_in_the_sample_configs(secrets: list[str]) -> None:
    # guards the test below: searching for strings that were never there would prove nothing
    texts = []
    for path in (SAMPLE / "connectors").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            texts.append(gzip.decompress(data) if path.suffix == ".gz" else data)
    corpus = b"\n".join(texts)
    assert all(secret.encode() in corpus for secret in secrets)


def test_no_secret_in_the_database_file_or_any_output(secrets: list[str], sample_db: Path, tmp_path: Path) -> None:
    outputs: dict[str, bytes] = {"database": sample_db.read_bytes()}
    # DuckDB compresses strings on disk, so the raw bytes alone could hide a stored secret: read every table too
    with duckdb.connect(str(sample_db), read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in tables:
            outputs[f"table {table}"] = repr(con.execute(f'SELECT * FROM "{table}"').fetchall()).encode()
    for wal in sample_db.parent.glob("*.wal"):
        outputs[wal.name] = wal.read_bytes()
    for fmt in REPORT_FORMATS:
        proc = subprocess.run([sys.executable, "-m", "mcp_clearance.cli", "report", "--db", str(sample_db),
                               "--format", fmt], capture_output=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        outputs[f"report {fmt}"] = proc.stdout + proc.stderr
    for command in (["validate", str(SAMPLE)],
                    ["run", str(SAMPLE), "--db", str(tmp_path / "again.duckdb"), "--as-of", str(DEFAULT_AS_OF)]):
        proc = subprocess.run([sys.executable, "-m", "mcp_clearance.cli", *command], capture_output=True,
                              timeout=600)
        outputs[" ".join(command[:1])] = proc.stdout + proc.stderr
    outputs["second database"] = (tmp_path / "again.duckdb").read_bytes()
    leaks = [(name, secret[:6] + "…") for name, data in outputs.items() for secret in secrets
             if secret.encode() in data]
    assert leaks == []


def test_a_reused_secret_is_visible_by_fingerprint_across_systems(sample_db: Path) -> None:
    with duckdb.connect(str(sample_db), read_only=True) as con:
        shared = con.execute("""
            SELECT v.fingerprint, count(DISTINCT s.system_id) AS systems
            FROM connector_values AS v JOIN system_connectors AS s USING (connector_id)
            WHERE v.is_secret GROUP BY v.fingerprint HAVING count(DISTINCT s.system_id) > 1
        """).fetchall()
    assert shared, "the sample reuses one secret across systems; its fingerprint must show that"
