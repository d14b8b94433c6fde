"""What every pipeline shares: the load context, quarantine, provenance and plugin discovery.

A pipeline family (connectors, credentials, audit) is a package; each file in it handles one
format and exposes `FORMAT` plus `detect` and `load` functions. Adding a format is adding a file:
`discover_formats` finds it, no registry to edit.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import pkgutil
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

from mcp_clearance.secrets import SecretScanner


class BadRecord(Exception):
    """A record or file that cannot be loaded; its message is the one-line quarantine reason.

    The message must never contain the record's content (it may hold a secret).
    """

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass
class LoadContext:
    """Handed to every format loader: the database being built and where to report bad input."""

    con: duckdb.DuckDBPyConnection
    estate_root: Path
    scanner: SecretScanner
    quarantined: list[tuple[str, str, int | None, str]] = field(default_factory=list)
    sources: list[tuple[str, str, str | None, int, int, int, str]] = field(default_factory=list)
    on_file: Callable[[str, Path], None] | None = None  # progress hook: (family, path)
    column_types: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)  # table -> column -> type

    def relative(self, path: Path) -> str:
        """The path stored in `source_file` columns: relative to the estate, POSIX separators."""
        try:
            return path.resolve().relative_to(self.estate_root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def quarantine(self, path: Path | str, family: str, reason: str, line: int | None = None) -> None:
        source = self.relative(path) if isinstance(path, Path) else path
        one_line = " ".join(self.scanner.redact_text(str(reason)).split())[:300]
        self.quarantined.append((source, family, line, one_line))

    def record_source(self, path: Path, family: str, fmt: str | None, loaded: int, quarantined: int) -> None:
        size, sha = file_digest(path)
        self.sources.append((self.relative(path), family, fmt, loaded, quarantined, size, sha))

    def insert_rows(self, table: str, rows: Iterable[dict[str, Any]]) -> int:
        """Insert Python-built rows (configs, inventories) by column name, in one statement.

        Each column travels as one list parameter cast to the table column's own type and is unnested
        back into rows: executemany would run the INSERT once per row, the cost of a large estate.
        """
        rows = list(rows)
        if not rows:
            return 0
        columns = list(rows[0])
        if table not in self.column_types:
            self.column_types[table] = dict(self.con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main'",
                [table]).fetchall())
        types = self.column_types[table]
        unnested = ", ".join(f"unnest(?::{types[c]}[])" for c in columns)
        self.con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {unnested}",
                         [[row[c] for row in rows] for c in columns])
        return len(rows)


DEFAULT_PRIORITY = 100


def discover_formats(package: ModuleType) -> list[ModuleType]:
    """Every format module in a pipeline family package, in (PRIORITY, name) order (deterministic).

    A module may set `PRIORITY` (lower is asked first) when its signals must win over another's;
    without it every module has DEFAULT_PRIORITY and the order is by name.
    """
    modules = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if hasattr(module, "FORMAT") and hasattr(module, "detect"):
            modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "PRIORITY", DEFAULT_PRIORITY), m.__name__))


def estate_files(folder: Path) -> Iterator[Path]:
    """Regular files under a folder in a stable order, hidden files included (.mcp.json)."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name not in {".DS_Store", "README.md"}:
            yield path


def file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return path.stat().st_size, digest.hexdigest()


def read_text(path: Path, limit: int | None = None) -> str:
    """Text of a (possibly gzipped) file; a truncated or corrupt gzip is a BadRecord."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8", errors="strict") as handle:
                return handle.read() if limit is None else handle.read(limit)
        with path.open("r", encoding="utf-8", errors="strict") as handle:
            return handle.read() if limit is None else handle.read(limit)
    except (EOFError, OSError, zlib.error) as exc:
        raise BadRecord(f"cannot read file: {type(exc).__name__}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise BadRecord(f"not UTF-8 text (byte {exc.start})") from None


SNIFF_BYTES = 65536


def load_family(ctx: LoadContext, family: str, package: ModuleType, folder: Path) -> None:
    """Load every file under `folder` with the first format module of `package` that claims it.

    A format module exposes `FORMAT: str`, `detect(path, head) -> bool` (head: the first 64 KiB of
    decompressed text) and `load(ctx, path) -> int` (rows loaded). It raises BadRecord for a file it
    cannot load at all and calls `ctx.quarantine` for single bad records while loading the rest.
    """
    modules = discover_formats(package)
    for path in estate_files(folder):
        if ctx.on_file is not None:
            ctx.on_file(family, path)
        before = len(ctx.quarantined)
        fmt: str | None = None
        loaded = 0
        try:
            head = read_text(path, SNIFF_BYTES) if path.stat().st_size else ""
            if not head.strip():
                raise BadRecord("empty file")
            module = next((m for m in modules if m.detect(path, head)), None)
            if module is None:
                raise BadRecord(f"unrecognised {family} format (no parser claims this content)")
            fmt = module.FORMAT
            loaded = module.load(ctx, path)
        except BadRecord as exc:
            ctx.quarantine(path, family, exc.reason, exc.line)
        except duckdb.Error as exc:
            ctx.quarantine(path, family, f"{fmt or family} reader rejected the file: {first_line(exc)}")
        except Exception as exc:
            ctx.quarantine(path, family, f"{fmt or family} parser failed: {type(exc).__name__}: {first_line(exc)}")
        ctx.record_source(path, family, fmt, loaded, len(ctx.quarantined) - before)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
