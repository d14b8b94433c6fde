from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from mcp_clearance.pipelines.base import LoadContext
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import create_schema

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def _fingerprint_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Never touch the developer's real key file from a test (session-wide, so session fixtures too)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MCP_CLEARANCE_KEY_FILE", str(tmp_path_factory.mktemp("key") / "fingerprint.key"))
        yield


@pytest.fixture
def ctx(tmp_path: Path) -> LoadContext:
    """A load context on a fresh in-memory database with the full schema; estate root = FIXTURES."""
    con = duckdb.connect()
    create_schema(con)
    return LoadContext(con=con, estate_root=FIXTURES, scanner=SecretScanner(b"test-key" * 4))


SAMPLE = Path(__file__).parent.parent / "sample_data"


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed sample estate run through the real pipeline, with its eight-run history."""
    from mcp_clearance.history import backfill
    from mcp_clearance.run import run
    from mcp_clearance.sample_estate import DEFAULT_AS_OF

    if not (SAMPLE / "inventory.yaml").exists():
        pytest.fail(f"the sample estate is missing at {SAMPLE}; regenerate it: "
                    "python -m mcp_clearance.sample_estate --out sample_data")
    db = tmp_path_factory.mktemp("sample") / "estate.duckdb"
    backfill(db)
    run(SAMPLE, db, as_of=DEFAULT_AS_OF)
    return db


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed sample estate read in full into a fresh database: no history, nothing reused. The tests that
    compare another path (incremental, lake, Spark) against the plain run share it: read it, or copy it first."""
    from mcp_clearance.run import run
    from mcp_clearance.sample_estate import DEFAULT_AS_OF

    db = tmp_path_factory.mktemp("sample_run") / "estate.duckdb"
    result = run(SAMPLE, db, as_of=DEFAULT_AS_OF)
    assert result.reused_files == 0 and result.reuse_note is None
    return db


@pytest.fixture(scope="session")
def dashboard_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real sample estate for the dashboard tests: `sample_db` (the current run of sample_data/ at the sample's
    as_of, after its eight back-filled earlier runs), copied so the dashboard's cached read-only connection and the
    browser test's server never share a file with tests that open `sample_db` otherwise."""
    import shutil

    from mcp_clearance.sample_estate import DEFAULT_AS_OF

    db = tmp_path_factory.mktemp("dashboard") / "estate.duckdb"
    shutil.copyfile(sample_db, db)
    with duckdb.connect(str(db), read_only=True) as con:
        as_of, runs = con.execute("SELECT (SELECT as_of FROM run_context), (SELECT count(*) FROM runs)").fetchone()
    assert as_of == DEFAULT_AS_OF and runs > 1, f"{sample_db} should hold the sample run plus its history"
    return db
