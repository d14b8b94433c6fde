"""A run end to end on a generated estate: atomic publication, idempotence, history, CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from mcp_clearance import run as runner
from mcp_clearance.sample_estate import generate

AS_OF = date(2026, 11, 20)
INGESTED_TABLES = (
    "systems", "agents", "agent_identities", "connector_assignments", "approved_servers", "log_sinks",
    "policy_thresholds", "policy_deviations", "exceptions", "remediation_tickets", "connector_servers",
    "connector_values", "tools", "credentials", "tool_calls", "target_events", "sources", "quarantine",
    "check_results",
)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("estate")
    generate(folder, systems=12, events=3000, seed=11, as_of=AS_OF)
    return folder


def table_contents(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in INGESTED_TABLES}


def test_rerunning_the_same_estate_gives_identical_tables(estate: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    runner.run(estate, first, as_of=AS_OF)
    runner.run(estate, second, as_of=AS_OF)
    runner.run(estate, second, as_of=AS_OF)  # again onto itself: history for that date is replaced, not doubled
    assert table_contents(first) == table_contents(second)
    with duckdb.connect(str(second), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (1,)
        calls = con.execute("SELECT count(*) FROM tool_calls").fetchone()[0]
    assert calls > 0


@pytest.mark.parametrize("step", ["redact_loaded_audit", "record_run", "verdict_totals"])
def test_out_of_memory_anywhere_in_a_run_stops_it_cleanly_and_publishes_nothing(
        estate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    from mcp_clearance.pipelines.base import OutOfMemory

    db = tmp_path / "estate.duckdb"
    runner.run(estate, db, as_of=AS_OF)
    before = db.read_bytes()

    def out_of_memory(*_args: object, **_kwargs: object) -> None:
        raise duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate data of size 32.0 MiB")

    # one step of each phase outside the per-file loaders: loading (redaction), evaluating, writing
    monkeypatch.setattr(runner, step, out_of_memory)
    with pytest.raises(OutOfMemory, match=r"^out of memory while (loading|evaluating|writing) .*; "
                                          r"the published run is unchanged"):
        runner.run(estate, db, as_of=date(2026, 11, 21))
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["estate.duckdb"]  # no staging file or spill left


def test_a_failed_run_leaves_the_published_database_untouched(estate: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "estate.duckdb"
    runner.run(estate, db, as_of=AS_OF)
    before = db.read_bytes()

    def crash(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt  # the user pressing Ctrl-C half-way through

    monkeypatch.setattr(runner, "evaluate", crash)
    with pytest.raises(KeyboardInterrupt):
        runner.run(estate, db, as_of=date(2026, 11, 21))
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["estate.duckdb"], "no staging file, backup or lock stays"


def test_a_killed_run_leaves_the_published_database_readable(estate: Path, tmp_path: Path) -> None:
    db = tmp_path / "estate.duckdb"
    runner.run(estate, db, as_of=AS_OF)
    before = table_contents(db)
    # a real SIGKILL in the middle of evaluation, in a separate process
    script = (
        "import os, signal, sys\n"
        "from datetime import date\nfrom pathlib import Path\n"
        "from mcp_clearance import run as r\n"
        "r.evaluate = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"r.run(Path({str(estate)!r}), Path({str(db)!r}), as_of=date(2026, 11, 21))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -9
    assert table_contents(db) == before


def test_reader_keeps_a_consistent_view_while_a_new_run_is_published(estate: Path, tmp_path: Path) -> None:
    db = tmp_path / "estate.duckdb"
    runner.run(estate, db, as_of=AS_OF)
    reader = duckdb.connect(str(db), read_only=True)
    old = reader.execute("SELECT as_of FROM run_context").fetchone()
    runner.run(estate, db, as_of=date(2026, 11, 22))
    assert reader.execute("SELECT as_of FROM run_context").fetchone() == old
    reader.close()
    with duckdb.connect(str(db), read_only=True) as fresh:
        assert fresh.execute("SELECT as_of FROM run_context").fetchone() == (date(2026, 11, 22),)
        assert fresh.execute("SELECT count(*) FROM runs").fetchone() == (2,)


def test_unreadable_previous_database_starts_history_afresh(estate: Path, tmp_path: Path) -> None:
    db = tmp_path / "estate.duckdb"
    db.write_bytes(b"not a duckdb file")
    result = runner.run(estate, db, as_of=AS_OF)
    assert result.history_note and "history starts with this run" in result.history_note
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (1,)
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("estate.duckdb.corrupt-")]
    assert len(kept) == 1 and kept[0].read_bytes() == b"not a duckdb file", "the old file is kept, not overwritten"
    assert kept[0].name in result.history_note


def test_a_database_of_an_older_layout_is_kept_aside(estate: Path, tmp_path: Path) -> None:
    db = tmp_path / "estate.duckdb"
    runner.run(estate, db, as_of=AS_OF)
    with duckdb.connect(str(db)) as con:  # as an older version wrote it: a history column missing
        con.execute("ALTER TABLE verdict_history DROP COLUMN verdict_after_risk")
    before = db.read_bytes()
    result = runner.run(estate, db, as_of=date(2026, 11, 27))
    assert result.history_note and "verdict_history lacks verdict_after_risk" in result.history_note
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("estate.duckdb.old-layout-")]
    assert len(kept) == 1 and kept[0].read_bytes() == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT as_of FROM runs").fetchall() == [(date(2026, 11, 27),)]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mcp_clearance.cli", *args], capture_output=True, text=True,
                          timeout=300)


def test_cli_run_prints_summary_and_exit_code_counts_quarantine(estate: Path, tmp_path: Path) -> None:
    db = tmp_path / "estate.duckdb"
    proc = cli("run", str(estate), "--db", str(db), "--as-of", "2026-11-20")
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "rows loaded" in proc.stdout and "audit" in proc.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    assert proc.returncode == (1 if quarantined else 0)


def test_cli_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    proc = cli("run", str(tmp_path / "nowhere"), "--db", str(tmp_path / "x.duckdb"))
    assert proc.returncode == 2
    assert "estate folder not found" in proc.stderr and "Traceback" not in proc.stderr
    proc = cli("report", "--db", str(tmp_path / "missing.duckdb"))
    assert proc.returncode == 2 and "mcp-clearance run" in proc.stderr and "Traceback" not in proc.stderr


PLANTED = "sk-live-0123456789abcdefPLANTED"  # a secret-shaped value an exception message might quote


@pytest.mark.parametrize("command, args", [
    ("run", ["ESTATE", "--db", "DB"]), ("validate", ["ESTATE"]), ("report", ["--db", "DB"]),
    ("check", ["some-system", "--db", "DB"]), ("generate", ["OUT"]), ("backfill", ["--db", "DB"]),
])
def test_an_internal_error_in_any_command_is_one_line_that_quotes_nothing(command: str, args: list[str],
                                                                         tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from mcp_clearance import cli\n"
        "def broken(*args, **kwargs):\n"
        f"    raise ValueError('cannot parse {PLANTED} in ' + sys.argv[-1])\n"
        f"cli.main.commands[{command!r}].callback = broken\n"
        f"sys.argv = ['mcp-clearance', {command!r}, *sys.argv[1:]]\n"
        "cli.entry()\n"
    )
    real = {"ESTATE": str(tmp_path), "DB": str(tmp_path / "x.duckdb"), "OUT": str(tmp_path / "out")}
    proc = subprocess.run([sys.executable, "-c", script, *(real.get(a, a) for a in args)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == "" and len(proc.stderr.splitlines()) == 1, proc.stderr
    line = proc.stderr.strip()
    assert line.startswith("error:") and "internal error" in line and "(ValueError)" in line and "report" in line
    assert PLANTED not in line and str(tmp_path) not in line, "the exception's text is never printed"
    assert "Traceback" not in line and "unexpected" not in line.lower()


def test_an_error_deep_in_a_report_reaches_the_user_as_one_line(estate: Path, tmp_path: Path) -> None:
    db = tmp_path / "estate.duckdb"
    runner.run(estate, db, as_of=AS_OF)
    script = (
        "import sys, duckdb\n"
        "from mcp_clearance import cli, report\n"
        "def broken(con, fmt):\n"
        f"    raise duckdb.ConversionException(\"Could not convert string '{PLANTED}' to INT32\")\n"
        "report.render = broken\n"
        "sys.argv = ['mcp-clearance', 'report', '--db', sys.argv[1]]\n"
        "cli.entry()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "(ConversionException)" in proc.stderr and PLANTED not in proc.stderr and "Traceback" not in proc.stderr


def test_cli_run_warns_about_a_previous_database_it_could_not_read(estate: Path, tmp_path: Path) -> None:
    db = tmp_path / "estate.duckdb"
    db.write_bytes(b"\x00" * 1000)
    proc = cli("run", str(estate), "--db", str(db), "--as-of", "2026-11-20")
    assert proc.returncode in (0, 1)
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "history starts with this run" in warnings[0] and ".corrupt-" in warnings[0]


def test_cli_validate_names_file_field_and_line(estate: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "inventory.yaml").write_text(
        "systems:\n  - id: a\n    name: A\n    owner: o\n    team: t\n    business_unit: U\n"
        "    environment: prod\n    data_classes: [internal]\n"
    )
    proc = cli("validate", str(broken))
    assert proc.returncode == 1
    text = " ".join(proc.stdout.split())
    assert "inventory.yaml" in text and "systems[0].environment" in text and " 7 " in text
    assert not (broken / "estate.duckdb").exists()
