from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from mcp_clearance.pipelines.base import LoadContext

from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import create_schema

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _fingerprint_key(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the developer's real key file from a test."""
    monkeypatch.setenv("MCP_CLEARANCE_KEY_FILE", str(tmp_path_factory.mktemp("key") / "fingerprint.key"))


@pytest.fixture
def ctx(tmp_path: Path) -> LoadContext:
    """A load context on a fresh in-memory database with the full schema; estate root = FIXTURES."""
    con = duckdb.connect()
    create_schema(con)
    return LoadContext(con=con, estate_root=FIXTURES, scanner=SecretScanner(b"test-key" * 4))
