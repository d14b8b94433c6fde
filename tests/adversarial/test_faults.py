"""Faults around publication: a stale or foreign WAL, a writer holding the file, a full disk, two runs at once,
kill -9 at random points, a corrupt previous database, and readers on files that hold no run.

After each fault the published database must open read-only as readers open it, holding either the previous run's
verdicts or the new run's; the user is told what happened in one line, without a traceback.
"""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import pytest

from mcp_clearance import report, store
from mcp_clearance import run as runner
from mcp_clearance.sample_estate import generate

PREVIOUS_AS_OF = date(2026, 11, 13)
NEW_AS_OF = date(2026, 11, 20)
KILLS = 10
WRITER_RUN_DAY = "2026-01-01"  # a run the "writer" adds to the history, to see whether its WAL was read

# A run's identity as a reader sees it: the date it was evaluated for and its verdict rows.
Published = tuple[date, list[tuple]]


# -- helpers ---------------------------------------------------------------------------------------------------


def cli(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mcp_clearance.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


def cli_process(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mcp_clearance.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def published(db: Path) -> Published:
    """What a reader finds at `db` (raises DatabaseProblem when it cannot open it)."""
    with report.open_database(db) as con:
        as_of = con.execute("SELECT as_of FROM clearance_meta").fetchone()[0]
        verdicts = con.execute("SELECT system_id, tier, verdict, verdict_after_risk FROM verdicts "
                               "ORDER BY ALL").fetchall()
    return as_of, verdicts


def history_days(db: Path) -> set[str]:
    with report.open_database(db) as con:
        return {str(day) for (day,) in con.execute("SELECT as_of FROM runs").fetchall()}


def wal_of(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def leftovers(db: Path) -> list[str]:
    """Files next to `db` that belong to it: staging files, backups, WALs, the lock."""
    return sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name) and p.name != db.name)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    for phrase in phrases:
        assert phrase in errors[0], errors[0]


def assert_finished(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode in (0, 1), proc.stderr  # 1: the generated estate plants quarantined records
    assert "Traceback" not in proc.stderr + proc.stdout


def kill_a_writer_after(db: Path, sql: str) -> None:
    """A process opens `db` for writing, runs `sql` and is killed with SIGKILL: its WAL stays next to the file."""
    script = ("import duckdb, os, signal, sys\n"
              "con = duckdb.connect(sys.argv[1])\n"
              "con.execute(sys.argv[2])\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = subprocess.run([sys.executable, "-c", script, str(db), sql], capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr
    assert wal_of(db).stat().st_size > 0, "the killed writer should leave its WAL behind"


ADD_WRITER_RUN = (f"INSERT INTO runs SELECT 'writer', DATE '{WRITER_RUN_DAY}', published_at, catalog_hash "
                  "FROM runs LIMIT 1")


@contextmanager
def holding_run_lock(db: Path) -> Iterator[None]:
    """Hold `<db>.lock` the way a run does, from this process."""
    fd = os.open(db.with_name(db.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        os.close(fd)


def read_stderr_until(proc: subprocess.Popen[str], phrase: str) -> list[str]:
    lines: list[str] = []
    assert proc.stderr is not None
    while not any(phrase in line for line in lines):
        line = proc.stderr.readline()
        assert line, f"the process ended before saying {phrase!r}: {lines}"
        lines.append(line)
    return lines


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# -- fixtures --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("estate")
    generate(folder, systems=4, events=600, seed=5, as_of=NEW_AS_OF)
    return folder


@pytest.fixture(scope="module")
def baseline(estate: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A published run as of PREVIOUS_AS_OF: the state every fault starts from."""
    db = tmp_path_factory.mktemp("baseline") / "estate.duckdb"
    runner.run(estate, db, as_of=PREVIOUS_AS_OF)
    assert leftovers(db) == []
    return db


@pytest.fixture(scope="module")
def new_run(estate: Path, baseline: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Published, float]:
    """What the uninterrupted next run publishes (as of NEW_AS_OF), and how long the command took."""
    db = tmp_path_factory.mktemp("reference") / "estate.duckdb"
    shutil.copyfile(baseline, db)
    started = time.monotonic()
    assert_finished(cli("run", estate, "--db", db, "--as-of", NEW_AS_OF.isoformat()))
    return published(db), time.monotonic() - started


@pytest.fixture
def db(baseline: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "estate.duckdb"
    shutil.copyfile(baseline, copy)
    return copy


def run_new(estate: Path, db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return cli("run", estate, "--db", db, "--as-of", NEW_AS_OF.isoformat(), *extra)


# -- a WAL next to the published file --------------------------------------------------------------------------


def test_a_writer_killed_before_a_publish_has_its_wal_read_with_its_file(
        estate: Path, db: Path, new_run: tuple[Published, float]) -> None:
    kill_a_writer_after(db, ADD_WRITER_RUN)
    proc = run_new(estate, db)
    assert_finished(proc)
    assert published(db) == new_run[0]
    assert history_days(db) == {WRITER_RUN_DAY, PREVIOUS_AS_OF.isoformat(), NEW_AS_OF.isoformat()}, \
        "the writer's WAL is part of the previous database, so its run is in the history"
    assert leftovers(db) == [], "no WAL may stay next to the new file"
    with duckdb.connect(str(db), read_only=True) as con:  # a plain DuckDB reader too
        assert con.execute("SELECT as_of FROM clearance_meta").fetchone() == (NEW_AS_OF,)
    system = new_run[0][1][0][0]
    assert cli("check", system, "--require", "blocked", "--db", db).returncode == 0
    assert cli("report", "--db", db, "--format", "json").returncode == 0


def foreign_wal(folder: Path) -> bytes:
    """The WAL of another database, as a killed writer of an earlier file leaves it."""
    other = folder / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    kill_a_writer_after(other, "INSERT INTO t VALUES (1)")
    return wal_of(other).read_bytes()


def test_a_foreign_wal_is_set_aside_and_the_new_run_reads_back(
        estate: Path, db: Path, tmp_path: Path, new_run: tuple[Published, float]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    wal = foreign_wal(elsewhere)
    wal_of(db).write_bytes(wal)
    with pytest.raises(duckdb.Error, match="WAL"):  # the state the fault leaves: DuckDB refuses the pair
        duckdb.connect(str(db), read_only=True)
    for command in (["report", "--db", db], ["check", "any-system", "--db", db]):
        assert_one_line_error(cli(*command), "write-ahead log", f"mcp-clearance run ESTATE --db {db}")

    proc = run_new(estate, db)
    assert_finished(proc)
    assert published(db) == new_run[0]
    assert history_days(db) == {PREVIOUS_AS_OF.isoformat(), NEW_AS_OF.isoformat()}, \
        "the previous file opens without the foreign WAL, so its history is carried"
    aside = [name for name in leftovers(db) if name.startswith("estate.duckdb.wal.stale-")]
    assert leftovers(db) == aside and len(aside) == 1
    assert (db.parent / aside[0]).read_bytes() == wal, "the WAL is kept, not deleted"
    assert "warning:" in proc.stderr and aside[0] in proc.stderr
    assert cli("report", "--db", db).returncode == 0


def test_a_writer_holding_the_file_stops_the_run_and_closing_it_keeps_its_history(
        estate: Path, db: Path, new_run: tuple[Published, float]) -> None:
    script = ("import duckdb, sys\n"
              "con = duckdb.connect(sys.argv[1])\n"
              "con.execute(sys.argv[2])\n"
              "print('ready', flush=True)\n"
              "sys.stdin.readline()\n"
              "con.close()\n")
    writer = subprocess.Popen([sys.executable, "-c", script, str(db), ADD_WRITER_RUN], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
        assert_one_line_error(run_new(estate, db), f"{db} is open for writing in another process",
                              "the published run is unchanged")
    finally:
        assert writer.stdin is not None
        writer.stdin.close()  # the writer closes cleanly
        writer.wait(timeout=120)
    assert writer.returncode == 0
    assert published(db)[0] == PREVIOUS_AS_OF
    assert_finished(run_new(estate, db))
    assert published(db) == new_run[0]
    assert history_days(db) == {WRITER_RUN_DAY, PREVIOUS_AS_OF.isoformat(), NEW_AS_OF.isoformat()}
    assert leftovers(db) == []


# -- a full disk -----------------------------------------------------------------------------------------------


@contextmanager
def small_file_system(folder: Path, size: int) -> Iterator[bool]:
    """A tmpfs of `size` bytes at `folder` when this process may mount one (root in CI); False when not."""
    folder.mkdir()
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                           capture_output=True) if shutil.which("mount") else None
    mounted = mount is not None and mount.returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)


def run_with_duckdb_failing(estate: Path, db: Path, exception: str, message: str) -> subprocess.CompletedProcess[str]:
    """`mcp-clearance run` in which DuckDB raises `exception` (a duckdb class name) with `message` once the staging
    file is being written: the simulation when no small file system can be mounted."""
    script = ("import sys, duckdb\n"
              "from mcp_clearance import cli, run\n"
              "def full(*args, **kwargs):\n"
              f"    raise duckdb.{exception}({message!r})\n"
              "run.evaluate = full\n"
              "sys.argv = ['mcp-clearance', *sys.argv[1:]]\n"
              "cli.entry()\n")
    return subprocess.run([sys.executable, "-c", script, "run", str(estate), "--db", str(db), "--as-of",
                           NEW_AS_OF.isoformat()], capture_output=True, text=True, timeout=300)


def assert_disk_full_left_the_previous_run(proc: subprocess.CompletedProcess[str], db: Path, before: bytes,
                                           previous: Published) -> None:
    assert_one_line_error(proc, f"disk full while writing {db}; the published run is unchanged")
    assert db.read_bytes() == before
    assert published(db) == previous
    assert leftovers(db) == [], "the staging file (and its WAL) is removed"


def test_disk_full_on_a_small_file_system(estate: Path, baseline: Path, tmp_path: Path) -> None:
    previous = published(baseline)
    # room for the published file and half a megabyte more: the new run's staging file cannot fit
    with small_file_system(tmp_path / "small", baseline.stat().st_size + 512 * 1024) as mounted:
        db = tmp_path / "small" / "estate.duckdb"
        shutil.copyfile(baseline, db)
        before = db.read_bytes()
        if mounted:
            proc = run_new(estate, db)
        else:
            proc = run_with_duckdb_failing(
                estate, db, "IOException",
                f'IO Error: Could not write file "{db}.tmp-1": No space left on device')
        assert_disk_full_left_the_previous_run(proc, db, before, previous)


@pytest.mark.parametrize("exception, message", [
    ("FatalException", "FATAL Error: Failed: database has been invalidated because of a previous fatal error. "
                       'Original error: "Could not write file "x.wal": No space left on device"'),
    ("TransactionException", 'TransactionContext Error: Failed to commit: Could not write file "x.wal": '
                             "Disk quota exceeded"),
])
def test_disk_full_however_duckdb_words_it(estate: Path, db: Path, exception: str, message: str) -> None:
    previous, before = published(db), db.read_bytes()
    proc = run_with_duckdb_failing(estate, db, exception, message)
    assert_disk_full_left_the_previous_run(proc, db, before, previous)
    assert "x.wal" not in proc.stderr, "DuckDB's own text is not passed on"


# -- two runs at once ------------------------------------------------------------------------------------------


def test_two_runs_at_once_are_serialised_by_the_lock(estate: Path, db: Path) -> None:
    days = ["2026-11-20", "2026-11-21"]
    with holding_run_lock(db):  # both runs start while the lock is taken, so both must wait for it
        runs = [cli_process("run", estate, "--db", db, "--as-of", day) for day in days]
        for proc in runs:
            said = read_stderr_until(proc, "another run is publishing to")
            assert f"another run is publishing to {db}; waiting" in "".join(said)
    for proc in runs:
        _out, _err = proc.communicate(timeout=300)
        assert proc.returncode in (0, 1) and "Traceback" not in _err
    as_of, verdicts = published(db)
    assert str(as_of) in days
    with report.open_database(db) as con:
        of_that_run = con.execute("SELECT system_id, tier, verdict, verdict_after_risk FROM verdict_history "
                                  "WHERE as_of = ? ORDER BY ALL", [as_of]).fetchall()
    assert verdicts == of_that_run
    assert history_days(db) == {PREVIOUS_AS_OF.isoformat(), *days}, "the later run carried the earlier one"
    assert leftovers(db) == [], "the lock file goes with the last run"


def test_a_lock_timeout_gives_up_without_publishing(estate: Path, db: Path) -> None:
    before = db.read_bytes()
    with holding_run_lock(db):
        proc = run_new(estate, db, "--lock-timeout", "0")
    assert_one_line_error(proc, f"another run was still publishing to {db}", "the published run is unchanged")
    assert db.read_bytes() == before


# -- kill -9 ---------------------------------------------------------------------------------------------------


def test_kill_9_at_random_points_leaves_the_previous_or_the_new_run(
        estate: Path, db: Path, new_run: tuple[Published, float]) -> None:
    previous = published(db)
    new, duration = new_run
    assert previous != new, "the two runs must be told apart"
    rng = random.Random(20261120)
    for _ in range(KILLS):
        proc = cli_process("run", estate, "--db", db, "--as-of", NEW_AS_OF.isoformat())
        try:
            proc.wait(timeout=rng.uniform(0.0, duration))
        except subprocess.TimeoutExpired:
            proc.kill()
        proc.communicate()
        assert published(db) in (previous, new)
    # a staging file of a run killed before this test's, and its WAL
    stale = db.with_name(f"{db.name}.tmp-{dead_pid()}")
    stale.write_bytes(b"\0" * 4096)
    wal_of(stale).write_bytes(b"\0" * 512)
    proc = run_new(estate, db)
    assert_finished(proc)
    assert published(db) == new
    assert leftovers(db) == [], "the next run removes what killed runs left"
    assert stale.name in proc.stderr


# -- a corrupt previous database -------------------------------------------------------------------------------


def test_a_corrupt_previous_database_is_kept_aside_with_a_warning(estate: Path, db: Path,
                                                                  new_run: tuple[Published, float]) -> None:
    garbage = b"\x00not a database\xff" * 512
    db.write_bytes(garbage)
    proc = run_new(estate, db)
    assert_finished(proc)
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert any("could not be read" in w and "history starts with this run" in w for w in warnings), proc.stderr
    kept = leftovers(db)
    assert len(kept) == 1 and kept[0].startswith("estate.duckdb.corrupt-") and kept[0] in proc.stderr
    assert (db.parent / kept[0]).read_bytes() == garbage
    assert published(db) == new_run[0]
    assert history_days(db) == {NEW_AS_OF.isoformat()}


def test_a_published_file_that_does_not_read_back_is_put_back(estate: Path, db: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    before = db.read_bytes()
    rename = store.publish

    def torn(staging: Path, *args: object) -> None:  # the new file is unreadable once it is in place
        staging.write_bytes(b"torn" * 1024)
        rename(staging, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "publish", torn)
    with pytest.raises(store.PublishError, match="could not be read back"):
        runner.run(estate, db, as_of=NEW_AS_OF)
    assert db.read_bytes() == before
    assert leftovers(db) == []


# -- readers on a file that holds no run -----------------------------------------------------------------------


def make_unreadable(kind: str, db: Path, tmp_path: Path) -> None:
    if kind == "missing":
        db.unlink()
    elif kind == "empty":
        db.write_bytes(b"")
    elif kind == "garbage":
        db.write_bytes(b"PK\x03\x04 a zip, not a database" * 64)
    elif kind == "foreign WAL":
        (tmp_path / "other").mkdir()
        wal_of(db).write_bytes(foreign_wal(tmp_path / "other"))
    elif kind == "no MCP Clearance tables":
        db.unlink()
        with duckdb.connect(str(db)) as con:
            con.execute("CREATE TABLE inventory (item VARCHAR)")
    elif kind == "older schema":
        with duckdb.connect(str(db)) as con:
            con.execute("UPDATE clearance_meta SET schema_version = 0")


@pytest.mark.parametrize("kind, phrase", [
    ("missing", "does not exist"),
    ("empty", "empty file"),
    ("garbage", "not a DuckDB database"),
    ("foreign WAL", "write-ahead log"),
    ("no MCP Clearance tables", "holds no MCP Clearance run"),
    ("older schema", "another version of MCP Clearance (schema 0)"),
])
def test_report_and_check_on_a_file_without_a_run_name_the_command(kind: str, phrase: str, db: Path,
                                                                   tmp_path: Path) -> None:
    make_unreadable(kind, db, tmp_path)
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    for command in (["report", "--db", db], ["check", "any-system", "--require", "read-only", "--db", db]):
        assert_one_line_error(cli(*command), phrase, f"mcp-clearance run ESTATE --db {db}")
    with pytest.raises(report.DatabaseProblem, match="mcp-clearance run ESTATE"):
        report.open_database(db)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == files, "readers change nothing"
