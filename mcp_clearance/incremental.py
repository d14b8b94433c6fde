"""Incremental runs: an input file that did not change since the published run is not read again.

Its rows are copied from the published database instead. A file is reused only when all of these hold,
anything else is read afresh:

- the published run was written by the same loader code, schema, DuckDB and PyYAML versions and fingerprint key
  (`evidence_fingerprint`, stored in `clearance_meta`): a new product version may parse a file differently, and a
  new key gives every secret another fingerprint;
- the published `sources` table has exactly one row for the file's estate-relative path, in the same family,
  with the same size and SHA-256 (a path shared by two files, after redaction, is read afresh);
- the published run did not reject the file as a whole (that may have had a cause outside the file: memory, a
  read error), and its format's rows depend on that file alone. A format module whose rows also depend on other files (a
  CloudTrail digest verifies the log files it lists) sets `REUSE_ROWS = False` and is always read.

Only the connector, credential and audit families are reused (through `load_family`). The inventory and tool
listings are small YAML and JSON files read in a fraction of a second, and inventory rows feed validation of the
other files, so they are always read. Evaluation always runs in full over the resulting tables.

A reused file keeps its previous `sources` row and quarantine rows, added in the order the file is met, so both
tables list files in the same order as a full read. Its evidence rows (every table with a `source_file` column)
are copied in one statement per table after the audit tables are redacted: they were redacted when first read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import yaml

import mcp_clearance
from mcp_clearance import pipelines, safe_load, secrets
from mcp_clearance.pipelines.base import LoadContext, file_digest
from mcp_clearance.store import DUCKDB_LOCK_CONFLICT, SCHEMA_VERSION, DatabaseBusy

PREVIOUS = "previous"  # the name the published database is attached under, read-only
# Written by the run itself, never copied per file.
PROVENANCE_TABLES = ("sources", "quarantine")
_KEY_PROBE = "mcp-clearance evidence fingerprint key probe"  # a fixed text: its HMAC names the key, reveals nothing


def evidence_fingerprint(scanner: secrets.SecretScanner) -> str:
    """What the rows read from a file depend on besides the file: loader code, schema, libraries and the key.

    The loader code is hashed from its source files (the pipelines package, the secret scanner and the bounded
    readers), so any change to how a file is parsed, classified or limited invalidates reuse, released or not.
    """
    digest = hashlib.sha256()
    for part in (f"schema {SCHEMA_VERSION}", f"mcp-clearance {mcp_clearance.__version__}",
                 f"duckdb {duckdb.__version__}", f"pyyaml {yaml.__version__}",
                 f"key {scanner.fingerprint(_KEY_PROBE)}"):
        digest.update(part.encode() + b"\n")
    for source in _loader_sources():
        digest.update(source.name.encode() + b"\n" + source.read_bytes())
    return digest.hexdigest()


def _loader_sources() -> list[Path]:
    package = Path(pipelines.__file__).parent
    files = [p for p in package.rglob("*") if p.suffix in (".py", ".sql") and "__pycache__" not in p.parts]
    return [*sorted(files, key=lambda p: p.relative_to(package).as_posix()),
            Path(safe_load.__file__), Path(secrets.__file__)]


def attach_previous(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """Attach the published database read-only as `previous` (with its WAL, as readers open it).

    duckdb.Error when it cannot be read; DatabaseBusy when a writer holds it open.
    """
    try:
        con.execute(f"ATTACH ? AS {PREVIOUS} (READ_ONLY)", [str(db)])
    except duckdb.Error as exc:
        if DUCKDB_LOCK_CONFLICT in str(exc):  # a writer opened it since it was inspected
            raise DatabaseBusy(db) from None
        raise


@contextmanager
def attached_previous(con: duckdb.DuckDBPyConnection, db: Path) -> Iterator[None]:
    """`attach_previous` for the duration of a block."""
    attach_previous(con, db)
    try:
        yield
    finally:
        con.execute(f"DETACH {PREVIOUS}")


QuarantineRow = tuple[str, str, int | None, str]


@dataclass(frozen=True)
class PublishedFile:
    """One file of the published run, as its `sources` row describes it."""

    key: tuple[str, str]  # (source_file, family)
    fmt: str | None
    size: int
    sha256: str
    row: tuple[Any, ...]  # the whole row, in this schema's column order (what `LoadContext.sources` holds)


@dataclass
class Reuse:
    """The published run's provenance, and which of its files this run carries instead of reading."""

    db: Path
    sources: dict[tuple[str, str], PublishedFile]  # by (source_file, family); paths that name one file only
    quarantine: dict[tuple[str, str], list[QuarantineRow]]
    carried: list[str] = field(default_factory=list)  # source_file of every reused file, in the order met
    _carried_set: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def from_published(cls, con: duckdb.DuckDBPyConnection, db: Path, fingerprint: str) -> tuple[Reuse | None, str]:
        """(what can be reused from `db`, None when nothing can; why, in words).

        `con` is the run's database with the current schema; `db` the published database, already inspected as
        readable. Anything unexpected in it (an older layout, a damaged table) means a full read, not a failure.
        """
        try:
            with attached_previous(con, db):
                problem = _layout_problem(con)
                if problem is None:
                    stored = con.execute(f"SELECT evidence_fingerprint FROM {PREVIOUS}.clearance_meta").fetchall()
                    if stored != [(fingerprint,)]:
                        problem = "it was written by another loader version, schema or fingerprint key"
                if problem is not None:
                    return None, f"nothing reused from {db.name}: {problem}"
                sources = [PublishedFile((r[0], r[1]), r[2], r[3], r[4], r[5:]) for r in con.execute(
                    f"SELECT source_file, family, format, bytes, sha256, {_columns(con, 'sources')} "
                    f"FROM {PREVIOUS}.sources").fetchall()]
                quarantine = con.execute(f"SELECT source_file, family, line, reason FROM {PREVIOUS}.quarantine "
                                         "ORDER BY rowid").fetchall()
        except duckdb.Error as exc:
            return None, f"nothing reused from {db.name}: it could not be read ({type(exc).__name__})"
        paths: dict[tuple[str, str], int] = {}
        for file in sources:
            paths[file.key] = paths.get(file.key, 0) + 1
        by_file: dict[tuple[str, str], list[QuarantineRow]] = {}
        for row in quarantine:
            by_file.setdefault((row[0], row[1]), []).append(row)
        unique = {file.key: file for file in sources if paths[file.key] == 1}
        return cls(db, unique, by_file), f"files unchanged since {db.name} are reused"

    def carry(self, ctx: LoadContext, family: str, path: Path, modules: Sequence[ModuleType]) -> bool:
        """Whether `path` is unchanged since the published run: then its provenance is added to `ctx` and its rows
        are copied by `copy_rows`, and the file is not read."""
        source = ctx.relative(path)
        previous = self.sources.get((source, family))
        if previous is None or source in self._carried_set or not _reusable_format(previous.fmt, modules):
            return False
        quarantined = self.quarantine.get((source, family), [])
        if any(line is None for _, _, line, _ in quarantined):
            return False  # rejected whole: the cause may lie outside the file (memory, a read error), so try again
        try:
            if path.stat().st_size != previous.size or file_digest(path) != (previous.size, previous.sha256):
                return False
        except OSError:
            return False  # read afresh: the loader reports the file as it finds it
        self.carried.append(source)
        self._carried_set.add(source)
        ctx.sources.append(previous.row)  # type: ignore[arg-type]  # the row as the published run recorded it
        ctx.quarantined.extend(quarantined)
        return True

    def copy_rows(self, con: duckdb.DuckDBPyConnection) -> int:
        """Copy the evidence rows of every carried file from the published database; returns the rows copied."""
        if not self.carried:
            return 0
        copied = 0
        with attached_previous(con, self.db):
            for table in evidence_tables(con):
                columns = _columns(con, table)
                result = con.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM {PREVIOUS}.{table} "
                                     "WHERE source_file IN (SELECT unnest(?::VARCHAR[]))",
                                     [self.carried]).fetchone()
                copied += result[0] if result else 0
        return copied


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The columns of one of the run's tables, quoted, in table order."""
    return ", ".join(f'"{name}"' for (name,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' "
        "AND table_name = ? ORDER BY column_index", [table]).fetchall())


def _reusable_format(fmt: str | None, modules: Sequence[ModuleType]) -> bool:
    module = next((m for m in modules if fmt == m.FORMAT), None)  # None: a format this version no longer has
    return module is not None and getattr(module, "REUSE_ROWS", True)


def evidence_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables of the run's database whose rows each come from one input file (a `source_file` column)."""
    return [name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' "
        "AND column_name = 'source_file' AND table_name NOT IN (SELECT unnest(?::VARCHAR[])) ORDER BY table_name",
        [list(PROVENANCE_TABLES)]).fetchall()]


def _layout_problem(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why the published database's tables cannot receive a copy into this run's (None when they can)."""
    ours = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main'").fetchall()
    theirs = set(con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = 'main'", [PREVIOUS]).fetchall())
    copied = {*evidence_tables(con), *PROVENANCE_TABLES}
    needed = {(t, c, d) for t, c, d in ours if t in copied}
    needed |= {("clearance_meta", "evidence_fingerprint", "VARCHAR")}
    missing = sorted(needed - theirs)
    return f"it has an older layout ({missing[0][0]} lacks {missing[0][1]})" if missing else None
