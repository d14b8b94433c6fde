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
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import duckdb

from mcp_clearance.safe_load import MAX_FILE_BYTES, DocumentError, MiB, read_bounded, size_over, too_large
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import PublishError, is_disk_full

if TYPE_CHECKING:
    from mcp_clearance.incremental import Reuse


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
    sources: list[tuple[str, str, str | None, int, int, int, str, int]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # per source file: valid records deliberately not loaded
    on_file: Callable[[str, Path], None] | None = None  # progress hook: (family, path)
    column_types: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)  # table -> column -> type
    reuse: Reuse | None = None  # unchanged files whose rows the published run provides (mcp_clearance.incremental)
    memo: dict[str, Any] = field(default_factory=dict, repr=False)  # what a format computes once per run

    def relative(self, path: Path) -> str:
        """The path stored in `source_file` columns: relative to the estate, POSIX separators.

        A secret in a file or folder name is redacted; a path outside the estate is stored as
        `<outside the estate>/<name>`, never as the machine path (it names the user's home).
        """
        for candidate, root in ((path.absolute(), self.estate_root.absolute()),
                                (path.resolve(), self.estate_root.resolve())):
            try:
                return self.scanner.redact_path(candidate.relative_to(root).as_posix())
            except ValueError:
                continue
        return self.scanner.redact_path(f"{OUTSIDE_ESTATE}/{path.name}")

    def quarantine(self, path: Path | str, family: str, reason: str, line: int | None = None) -> None:
        """Set a record aside; the reason is made safe here, whoever built it (see `safe_reason`)."""
        source = self.relative(path) if isinstance(path, Path) else self.scanner.redact_path(path)
        self.quarantined.append((source, family, line, safe_reason(reason, self.scanner)))

    def note_skipped(self, path: Path, count: int) -> None:
        """Record how many valid records of a file were set aside on purpose (not errors, not quarantined)."""
        self.skipped[self.relative(path)] = self.skipped.get(self.relative(path), 0) + count

    def record_source(self, path: Path, family: str, fmt: str | None, loaded: int, quarantined: int) -> None:
        size, sha = file_digest(path)
        source = self.relative(path)
        self.sources.append((source, family, fmt, loaded, quarantined, size, sha, self.skipped.pop(source, 0)))

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


OUTSIDE_ESTATE = "<outside the estate>"

# A foreign error message (DuckDB's, Python's) from its class name on: the text after the class
# quotes values and file content ("Could not convert string 'abc'", "Input: {...}").
_FOREIGN_ERROR = re.compile(
    r"\b(?P<cls>[A-Z][A-Za-z]*(?: [A-Za-z]+){0,3} Error|[A-Z][A-Za-z]*(?:Error|Exception|GzipFile))\b\s*:.*$",
    re.DOTALL,
)
# What each foreign error class means, in fixed words.
_ERROR_MEANING = {
    "Conversion Error": "a value has the wrong type", "ConversionException": "a value has the wrong type",
    "Invalid Input Error": "malformed input", "InvalidInputException": "malformed input",
    "Binder Error": "a field is missing or has another type",
    "BinderException": "a field is missing or has another type",
    "Parser Error": "malformed input", "ParserException": "malformed input",
    "IO Error": "the file could not be read", "IOException": "the file could not be read",
    "Out of Memory Error": "the file is too large to read", "OutOfMemoryException": "the file is too large to read",
    "UnicodeDecodeError": "not UTF-8 text", "RecursionError": "nested too deeply", "ValueError": "a value is invalid",
    "OSError": "the file could not be read", "EOFError": "the file is cut short",
    "BadGzipFile": "not a gzip file",
}
MAX_REASON_CHARS = 300


def safe_reason(reason: str, scanner: SecretScanner) -> str:
    """A quarantine reason that quotes no input: fixed text, field names and line numbers only.

    Reasons are built from fixed text by the loaders; a foreign error message inside one keeps
    only its class and a fixed description, and the rest still passes secret redaction.
    """
    def describe(match: re.Match[str]) -> str:
        cls = match["cls"]
        meaning = _ERROR_MEANING.get(cls)
        return f"{cls} ({meaning})" if meaning else cls

    text = _FOREIGN_ERROR.sub(describe, str(reason))
    return " ".join(scanner.redact_text(text).split())[:MAX_REASON_CHARS]


def describe_error(exc: BaseException) -> str:
    """An exception as a quarantine reason may show it: its class and a fixed meaning, no message."""
    name = type(exc).__name__
    meaning = _ERROR_MEANING.get(name)
    return f"{name} ({meaning})" if meaning else name


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


LINK_OUTSIDE = "symbolic link to outside the estate, not followed"
LINK_LOOP = "symbolic link that loops, not followed"
SKIPPED_NAMES = {".DS_Store", "README.md"}


def estate_files(folder: Path, ctx: LoadContext | None = None, family: str = "") -> Iterator[Path]:
    """Regular files under a folder in a stable order, hidden files included (.mcp.json).

    Symbolic links are followed only while they stay inside the estate (`ctx.estate_root`, else
    `folder`): a link that leads outside, directly or through `..`, is never opened and is quarantined
    (with `ctx`) without naming its target. Each file and directory is visited once whatever the
    links (no loops); a file reached both directly and through a link is yielded under its own
    path. FIFOs, sockets and devices are skipped: reading one could block or never end.
    """
    root = folder.resolve()
    if ctx is not None and root.is_relative_to(ctx.estate_root.resolve()):
        root = ctx.estate_root.resolve()
    chosen: dict[Path, Path] = {}  # real path -> the path it is yielded under
    visited: set[Path] = set()
    pending = [folder]
    while pending:
        directory = pending.pop()
        real, refusal = _followed(directory, root)
        if refusal:
            _refuse_link(ctx, directory, family, refusal)
            continue
        if real in visited or not real.is_dir():
            continue
        visited.add(real)
        for entry in sorted(directory.iterdir()):
            target, refusal = _followed(entry, root)
            if refusal:
                _refuse_link(ctx, entry, family, refusal)
            elif target.is_dir():
                pending.append(entry)
            elif target.is_file() and entry.name not in SKIPPED_NAMES and (
                    target not in chosen or (chosen[target] != target and entry == target)):
                chosen[target] = entry
    yield from sorted(chosen.values())


def _followed(path: Path, root: Path) -> tuple[Path, str | None]:
    """(real path, None), or (path, why not) for a symbolic link that leads outside `root` or loops."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
        return path, LINK_LOOP
    if path.is_symlink() and not (real == root or real.is_relative_to(root)):
        return path, LINK_OUTSIDE
    return real, None


def _refuse_link(ctx: LoadContext | None, path: Path, family: str, reason: str) -> None:
    if ctx is None:
        return
    try:
        shown = path.relative_to(ctx.estate_root).as_posix()  # the link's own path, never its target's
    except ValueError:
        shown = path.name
    ctx.quarantine(shown, family, reason)


def file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return path.stat().st_size, digest.hexdigest()


# Audit logs are streamed by DuckDB and may be larger than the whole-file readers' MAX_FILE_BYTES;
# both limits are on the decompressed size, checked while decompressing (docs/limits.md).
MAX_STREAMED_FILE_BYTES = {"audit": 64 * MiB}  # measured: a 64 MiB ToolHive log peaks at ~0.7 GB


def read_text(path: Path, limit: int | None = None) -> str:
    """Text of a (possibly gzipped) file; BadRecord when over MAX_FILE_BYTES, corrupt or not UTF-8.

    With `limit`, only the first `limit` characters (a detection head; never an error for size).
    """
    try:
        if limit is not None:
            opener = gzip.open if path.name.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8", errors="strict") as handle:
                return handle.read(limit)
        return read_bounded(path, MAX_FILE_BYTES).decode("utf-8", errors="strict")
    except DocumentError as exc:
        raise BadRecord(exc.reason) from None
    except (EOFError, OSError, zlib.error) as exc:
        raise BadRecord(f"cannot read file: {describe_error(exc)}") from None
    except UnicodeDecodeError as exc:
        raise BadRecord(f"not UTF-8 text (byte {exc.start})") from None


def check_size(path: Path, family: str) -> None:
    """BadRecord when the file, decompressed, is over its family's limit (streamed; memory stays flat).

    Asked before any format sees the file, so a gzip bomb is refused in one shared place whichever
    reader (Python or DuckDB) would have read it.
    """
    limit = MAX_STREAMED_FILE_BYTES.get(family, MAX_FILE_BYTES)
    try:
        if size_over(path, limit):
            raise BadRecord(too_large(path, limit))
    except DocumentError as exc:
        raise BadRecord(exc.reason) from None


SNIFF_BYTES = 65536


class OutOfMemory(PublishError):
    """DuckDB ran out of memory (memory_limit, with spilling to temp_directory) while reading evidence.

    Never a quarantine: the file is not at fault, and dropping it would silently lose evidence. The run stops and
    the published run stays.
    """

    def __init__(self, what: str, doing: str = "reading") -> None:
        super().__init__(f"out of memory while {doing} {what}; the published run is unchanged (raise "
                         f"{MEMORY_LIMIT_VARIABLE}, or free memory or temporary disk space, and run again)")


MEMORY_LIMIT_VARIABLE = "MCP_CLEARANCE_MEMORY_LIMIT"


def _is_out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, (duckdb.OutOfMemoryException, MemoryError))


def load_family(ctx: LoadContext, family: str, package: ModuleType, folder: Path) -> None:
    """Load every file under `folder` with the first format module of `package` that claims it.

    A format module exposes `FORMAT: str`, `detect(path, head) -> bool` (head: the first 64 KiB of
    decompressed text) and either `load(ctx, path) -> int` (rows loaded) or `load_many(ctx, paths) -> {path: rows}`,
    which reads all the files it claimed in one pass. It raises BadRecord for a file it cannot load at all and calls
    `ctx.quarantine` for single bad records while loading the rest. When `load_many` fails on the batch, each file is
    loaded alone so that only the file at fault is quarantined. Running out of memory stops the run (OutOfMemory).
    """
    modules = discover_formats(package)
    files = list(estate_files(folder, ctx, family))
    formats: dict[Path, str | None] = {}
    loaded: dict[Path, int] = {}
    claimed: dict[str, list[Path]] = {}  # module name -> its files, in estate order
    by_name = {m.__name__: m for m in modules}
    carried: set[Path] = set()
    for path in files:
        if ctx.on_file is not None:
            ctx.on_file(family, path)
        if carried_forward(ctx, family, path, modules):
            carried.add(path)  # its provenance and quarantine rows were taken from the published run
            continue
        formats[path] = None
        try:
            check_size(path, family)
            head = read_text(path, SNIFF_BYTES) if path.stat().st_size else ""
            if not head.strip():
                raise BadRecord("empty file")
            module = next((m for m in modules if m.detect(path, head)), None)
            if module is None:
                raise BadRecord(f"unrecognised {family} format (no parser claims this content)")
            formats[path] = module.FORMAT
            claimed.setdefault(module.__name__, []).append(path)
        except Exception as exc:
            _quarantine_failed(ctx, family, path, None, exc)
    for name, paths in claimed.items():
        module = by_name[name]
        if hasattr(module, "load_many"):
            loaded.update(_load_batch(ctx, family, module, paths))
        else:
            for path in paths:
                loaded[path] = _load_one(ctx, family, module, path)
    quarantined: dict[str, int] = {}
    for source, quarantined_family, _, _ in ctx.quarantined:
        if quarantined_family == family:
            quarantined[source] = quarantined.get(source, 0) + 1
    for path in files:
        if path not in carried:
            ctx.record_source(path, family, formats[path], loaded.get(path, 0),
                              quarantined.get(ctx.relative(path), 0))


def _load_batch(ctx: LoadContext, family: str, module: ModuleType, paths: list[Path]) -> dict[Path, int]:
    """`module.load_many` over all its files in one transaction; out of memory, in halves; on another failure,
    each file alone.

    A format may run several statements (CloudTrail documents, then event-per-line files): the transaction makes the
    batch all or nothing, so a file that spoils it is found by loading each file alone, and only that one is
    quarantined. Rolled back too: what the batch set aside or counted as skipped.
    """
    quarantined, skipped = len(ctx.quarantined), dict(ctx.skipped)
    ctx.con.execute("BEGIN TRANSACTION")
    try:
        loaded = dict(module.load_many(ctx, paths))
    except Exception as exc:
        ctx.con.execute("ROLLBACK")
        del ctx.quarantined[quarantined:]
        ctx.skipped = skipped
        if is_disk_full(exc):
            raise
        if _is_out_of_memory(exc):
            if len(paths) == 1:
                raise OutOfMemory(ctx.relative(paths[0])) from None
            # more files than fit in memory at once: the same files in two halves, each all or nothing; only a
            # single file too large for memory stops the run
            half = len(paths) // 2
            return _load_batch(ctx, family, module, paths[:half]) | _load_batch(ctx, family, module, paths[half:])
        return {path: _load_one(ctx, family, module, path) for path in paths}
    ctx.con.execute("COMMIT")
    return loaded


def _load_one(ctx: LoadContext, family: str, module: ModuleType, path: Path) -> int:
    """One file. With `load_many` it is all or nothing (a failed file leaves no row and no record set aside, only its
    quarantine). A classic `load` runs without a transaction, as it always has: such loaders may let a statement fail
    and go on, which an open transaction would not survive."""
    if not hasattr(module, "load_many"):
        try:
            return int(module.load(ctx, path))
        except Exception as exc:
            _quarantine_failed(ctx, family, path, module.FORMAT, exc)
            return 0
    quarantined, skipped = len(ctx.quarantined), dict(ctx.skipped)
    ctx.con.execute("BEGIN TRANSACTION")
    try:
        rows = int(module.load_many(ctx, [path])[path])
    except Exception as exc:
        ctx.con.execute("ROLLBACK")
        del ctx.quarantined[quarantined:]
        ctx.skipped = skipped
        _quarantine_failed(ctx, family, path, module.FORMAT, exc)
        return 0
    ctx.con.execute("COMMIT")
    return rows


def _quarantine_failed(ctx: LoadContext, family: str, path: Path, fmt: str | None, exc: Exception) -> None:
    """Quarantine a file that could not be loaded at all; a full disk or memory stops the run instead."""
    if isinstance(exc, (BadRecord, DocumentError)):
        ctx.quarantine(path, family, exc.reason, getattr(exc, "line", None))
    elif isinstance(exc, RecursionError):
        ctx.quarantine(path, family, f"{fmt or family} file nests too deeply to read (see docs/limits.md)")
    elif is_disk_full(exc):  # not this file's fault: the run stops and the published run stays
        raise exc
    elif _is_out_of_memory(exc):
        raise OutOfMemory(ctx.relative(path)) from None
    else:
        reader = "reader rejected the file" if isinstance(exc, duckdb.Error) else "parser failed"
        ctx.quarantine(path, family, f"{fmt or family} {reader}: {describe_error(exc)}")


def carried_forward(ctx: LoadContext, family: str, path: Path, modules: list[ModuleType]) -> bool:
    """Whether `path` is unchanged since the published run, so its rows are copied from there and it is not read."""
    return ctx.reuse is not None and ctx.reuse.carry(ctx, family, path, modules)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
