"""The DuckDB file: schema creation and the safe publication of a run.

A run writes a complete new database next to the published one (`<db>.tmp-<pid>`) and renames it into place.
`os.replace` is atomic, so a reader opening the path sees either the previous run or the new one, never a
half-written file. Around that rename this module keeps the promises the README lists under "What is guaranteed":

- one run at a time per database: runs take an exclusive `flock` on `<db>.lock` (readers never do);
- staging files of runs that were killed are removed by the next run;
- the published name never pairs with a write-ahead log of another file: DuckDB replays `<db>.wal` into whatever
  file is at `<db>`, and refuses to open the pair when they do not match, so a WAL left by a writer is read with
  the file it belongs to and moved away with it, and a WAL that matches nothing is set aside;
- the published file is opened read-only and checked after the rename; if that fails, the previous file is put
  back (it is kept as a hard link until then);
- a full disk is reported as such, and a previous file that cannot be read is kept aside, never overwritten.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import duckdb

SCHEMA_VERSION = 1
LOCK_POLL_SECONDS = 0.2
# what the operating system (and DuckDB, which quotes it) says when a write does not fit
DISK_FULL_TEXTS = (os.strerror(errno.ENOSPC), os.strerror(errno.EDQUOT))
DUCKDB_LOCK_CONFLICT = "Could not set lock on file"


def schema_sql() -> str:
    return resources.files("mcp_clearance.pipelines").joinpath("schema.sql").read_text()


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    # evidence timestamps are stored as UTC; without this a TIMESTAMPTZ cast follows the machine's time zone
    con.execute("SET TimeZone = 'UTC'")
    con.execute(schema_sql())


class PublishError(Exception):
    """The run was not published; the message says why, and the published run is unchanged."""


class DiskFull(PublishError):
    def __init__(self, db: Path) -> None:
        super().__init__(f"disk full while writing {db}; the published run is unchanged "
                         f"(free space on the file system of {db.parent} and run again)")


class LockTimeout(PublishError):
    def __init__(self, db: Path, seconds: float) -> None:
        super().__init__(f"another run was still publishing to {db} after {seconds:g} s; the published run is "
                         "unchanged (run again later, or without --lock-timeout to wait)")


class DatabaseBusy(PublishError):
    def __init__(self, db: Path) -> None:
        super().__init__(f"{db} is open for writing in another process (DuckDB holds its lock); close that "
                         "connection and run again; the published run is unchanged")


def wal_of(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def staging_path(db: Path) -> Path:
    return db.with_name(f"{db.name}.tmp-{os.getpid()}")


def _backup_path(db: Path) -> Path:
    return db.with_name(f"{db.name}.previous-{os.getpid()}")


def _stamped(path: Path, label: str) -> Path:
    """`<path>.<label>-<UTC time>`, made unique when two land in the same second."""
    base = f"{path.name}.{label}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    candidate, n = path.with_name(base), 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{base}-{n}")
    return candidate


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, (duckdb.Error, OSError)) and any(text in str(exc) for text in DISK_FULL_TEXTS)


@contextmanager
def disk_full_reported(db: Path) -> Iterator[None]:
    """Turn whatever DuckDB or the OS raises for a full disk (IOException, TransactionException, FatalException,
    OSError ENOSPC) into DiskFull."""
    try:
        yield
    except (duckdb.Error, OSError) as exc:
        if is_disk_full(exc):
            raise DiskFull(db) from None
        raise


# -- one run at a time --------------------------------------------------------------------------------------------


@contextmanager
def publish_lock(db: Path, *, timeout: float | None = None,
                 on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the exclusive run lock `<db>.lock`: wait for a run already publishing to `db` (at most `timeout`
    seconds when given, then LockTimeout). The lock file is removed on release; a waiter that locked a file
    removed meanwhile notices by its inode and locks the new one, so two runs never both hold a lock."""
    lock = db.with_name(db.name + ".lock")
    deadline = None if timeout is None else time.monotonic() + timeout
    told = False
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not _try_lock(fd):
                if not told and on_wait is not None:
                    on_wait(f"another run is publishing to {db}; waiting")
                told = True
                _wait_for_lock(fd, db, deadline, timeout)
            if _is_file_at(fd, lock):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _wait_for_lock(fd: int, db: Path, deadline: float | None, timeout: float | None) -> None:
    if deadline is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    while not _try_lock(fd):
        if time.monotonic() >= deadline:
            raise LockTimeout(db, timeout or 0)
        time.sleep(LOCK_POLL_SECONDS)


def _is_file_at(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


# -- what killed runs leave behind ---------------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours from an earlier process with this pid: this run has created nothing yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def remove_stale_staging(db: Path) -> list[Path]:
    """Remove the staging files (and their WAL and temp folder) and publish backups of runs on `db` whose
    process is gone. Call under the run lock. Returns what was removed."""
    pattern = re.compile(re.escape(db.name) + r"\.(tmp|previous)-(\d+)(\.wal|\.tmp)?")
    removed: list[Path] = []
    for path in sorted(db.parent.iterdir()) if db.parent.is_dir() else []:
        match = pattern.fullmatch(path.name)
        if match is None or _pid_alive(int(match.group(2))):
            continue
        if match.group(1) == "previous" and match.group(3) is None and not path.is_dir():
            _undo_unfinished_publish(db, path)
        if not path.exists():
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _undo_unfinished_publish(db: Path, backup: Path) -> None:
    """A run killed between keeping its backup and the rename: the backup is still the published file, and the
    WAL it took along belongs back with it."""
    backup_wal = wal_of(backup)
    if db.exists() and backup_wal.exists() and not wal_of(db).exists() and os.path.samefile(db, backup):
        os.replace(backup_wal, wal_of(db))


# -- the previous run ---------------------------------------------------------------------------------------------


@dataclass
class PreviousDatabase:
    """What is published at `db` before this run, and what was done about it."""

    db: Path
    readable: bool = False
    problem: str | None = None  # why it could not be read, when it exists and could not
    notes: list[str] = field(default_factory=list)
    keep_as: Path | None = None  # where the previous file is kept for the user instead of being replaced

    @classmethod
    def inspect(cls, db: Path) -> PreviousDatabase:
        """Open `db` read-only with its WAL, as a reader would. A WAL that makes it unreadable is set aside and
        the file alone tried again. Call under the run lock."""
        previous = cls(db)
        wal = wal_of(db)
        if not db.exists():
            if wal.exists():
                previous._set_wal_aside("belongs to no database")
            return previous
        problem = _open_problem(db)
        if problem is not None and wal.exists():
            previous._set_wal_aside(f"does not match {db.name}")
            problem = _open_problem(db)
        previous.readable, previous.problem = problem is None, problem
        return previous

    def _set_wal_aside(self, why: str) -> None:
        wal = wal_of(self.db)
        aside = _stamped(wal, "stale")
        os.replace(wal, aside)
        self.notes.append(f"a write-ahead log {wal} left by another writer {why}; set aside as {aside.name}")

    def keep_aside(self, label: str) -> Path:
        """Keep the previous file as `<db>.<label>-<time>` when it is replaced (its history is not carried)."""
        self.keep_as = _stamped(self.db, label)
        return self.keep_as


def _open_problem(db: Path) -> str | None:
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS previous (READ_ONLY)", [str(db)])
    except duckdb.Error as exc:
        if DUCKDB_LOCK_CONFLICT in str(exc):
            raise DatabaseBusy(db) from None
        text = str(exc).strip().splitlines()
        return text[0] if text else type(exc).__name__
    finally:
        con.close()
    return None


# -- the rename and the check after it ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunIdentity:
    """What the published file must hold after the rename: this run's clearance_meta row and verdict count."""

    schema_version: int
    as_of: date
    published_at: datetime
    verdicts: int


def publish(staging: Path, db: Path, previous: PreviousDatabase, expected: RunIdentity) -> None:
    """Rename the closed, checkpointed `staging` file onto `db`, check it, and put the previous file back when the
    check fails."""
    backup = None
    if db.exists():
        backup = previous.keep_as or _backup_path(db)
        _link_or_copy(db, backup)
    if wal_of(db).exists():  # read with the previous file (or appeared since): it goes with that file
        if backup is None:
            previous._set_wal_aside("belongs to no database")
        else:
            os.replace(wal_of(db), wal_of(backup))
    os.replace(staging, db)  # the only moment readers can see a change
    problem = verification_problem(db, expected)
    if problem is not None:
        _restore(db, backup)
        raise PublishError(f"the new run could not be read back from {db} ({problem}); the previous file was put "
                           "back and the published run is unchanged")
    if backup is not None and backup != previous.keep_as:
        backup.unlink()
        wal_of(backup).unlink(missing_ok=True)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        try:
            shutil.copy2(source, target)  # a file system without hard links
        except BaseException:
            target.unlink(missing_ok=True)  # a half copy (a full disk) is no backup
            raise


def _restore(db: Path, backup: Path | None) -> None:
    if backup is None:
        db.unlink(missing_ok=True)
        return
    os.replace(backup, db)
    if wal_of(backup).exists():
        os.replace(wal_of(backup), wal_of(db))


def verification_problem(db: Path, expected: RunIdentity) -> str | None:
    """Why the file at `db` is not the run described by `expected` (None when it is), opened as readers open it."""
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS published (READ_ONLY)", [str(db)])
        meta = con.execute("SELECT schema_version, as_of, published_at FROM published.clearance_meta").fetchall()
        verdicts = con.execute("SELECT count(*) FROM published.verdicts").fetchone()
    except duckdb.Error as exc:
        text = str(exc).strip().splitlines()
        return text[0] if text else type(exc).__name__
    finally:
        con.close()
    found = RunIdentity(*meta[0], verdicts=verdicts[0]) if len(meta) == 1 and verdicts else None
    return None if found == expected else "it holds another run than the one just written"
