"""What `run` and `validate` print: a progress bar that names files only in their redacted form, file names never
cut (on a terminal or in a CI log), and the last lines give the verdict totals and the next command."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from mcp_clearance.sample_estate import generate

# a GitHub token's shape (ghp_ and 36 letters and digits) as a file name: it must never reach the output
SECRET_NAME = "ghp_" + "Zq7Rt2Lk9Wm4Xc8Vb1Ny5Hd3Jf6Gs0Pa2Qe4"
# a quarantined file whose name is longer than any terminal line
LONG_NAME = "issued-by-the-platform-team-for-the-quarterly-access-review-of-every-agent-credential-" * 2 + "x.csv"
TOTALS = re.compile(r"(\d+) systems: (\d+) cleared, (\d+) read-only, (\d+) blocked"
                    r"(?: \((\d+) of them for insufficient evidence\))?$")


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("estate")
    generate(folder, systems=4, events=300, seed=5, as_of=date(2026, 11, 20))
    some_log = next(p for p in sorted((folder / "audit").rglob("*.jsonl*")) if p.is_file())
    planted = folder / "audit" / "otel" / f"{SECRET_NAME}.jsonl"
    planted.parent.mkdir(exist_ok=True)
    shutil.copyfile(some_log, planted)
    (folder / "credentials" / "other").mkdir(parents=True, exist_ok=True)
    (folder / "credentials" / "other" / LONG_NAME).write_text("")  # an empty file is quarantined, named in full
    return folder


def cli(*args: str, terminal: bool, key_file: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "COLUMNS")}
    env["MCP_CLEARANCE_KEY_FILE"] = str(key_file)
    if terminal:
        env.update(FORCE_COLOR="1", COLUMNS="80")  # rich then draws as on an 80-column terminal, progress bar too
    return subprocess.run([sys.executable, "-m", "mcp_clearance.cli", *args], capture_output=True, text=True,
                          timeout=600, env=env)


def summary(db: Path) -> tuple[int, ...]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT systems, cleared, read_only, blocked, insufficient_evidence "
                           "FROM estate_summary").fetchone()


def totals(line: str) -> tuple[int, ...]:
    found = TOTALS.search(line)
    assert found, line
    return tuple(int(n or 0) for n in found.groups())


def test_run_in_a_ci_log_names_files_whole_redacts_secrets_and_ends_with_totals_and_next(estate: Path,
                                                                                       tmp_path: Path) -> None:
    db = tmp_path / "estate.duckdb"
    proc = cli("run", str(estate), "--db", str(db), "--as-of", "2026-11-20", terminal=False,
               key_file=tmp_path / "key")
    assert proc.returncode == 1, proc.stderr  # the planted files are quarantined
    output = proc.stdout + proc.stderr
    assert SECRET_NAME not in output and SECRET_NAME[4:] not in output
    assert re.search(r"audit/otel/ghp_\S*\.jsonl", proc.stdout), "the planted log is named, redacted"
    assert any(f"credentials/other/{LONG_NAME}" in line for line in proc.stdout.splitlines()), "named whole"
    assert "…" not in proc.stdout and "\x1b[" not in output, "nothing cut, no terminal codes in a log"
    *_, verdicts, next_line = proc.stdout.rstrip("\n").splitlines()
    assert verdicts.startswith("verdicts as of 2026-11-20: ")
    assert totals(verdicts) == summary(db)
    assert next_line.startswith(f"next: mcp-clearance dashboard --db {db}")


def test_validate_on_a_terminal_shows_progress_with_redacted_names_and_ends_with_the_run_to_do(
        estate: Path, tmp_path: Path) -> None:
    proc = cli("validate", str(estate), terminal=True, key_file=tmp_path / "key")
    assert proc.returncode == 1
    output = proc.stdout + proc.stderr
    assert SECRET_NAME not in output and SECRET_NAME[4:] not in output
    assert "/" in proc.stderr and re.search(r"\d+/\d+", proc.stderr), "the progress bar was drawn"
    assert re.search(r"audit/otel/ghp_\S*\.jsonl", proc.stderr), "the bar named the planted log, redacted"
    assert "…" not in output, "a long file name is folded onto the next line, never cut"
    assert str(estate) not in proc.stderr, "the bar names files relative to the estate"
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in proc.stdout.rstrip("\n").splitlines()]
    *_, verdicts, next_line = lines
    assert re.match(r"verdicts if run today \(\d{4}-\d{2}-\d{2}\): ", verdicts), verdicts
    # the totals a run of the same estate publishes today
    db = tmp_path / "today.duckdb"
    run = cli("run", str(estate), "--db", str(db), terminal=False, key_file=tmp_path / "key")
    assert run.returncode == 1, run.stderr
    assert totals(verdicts) == summary(db)
    assert next_line.startswith("next: fix the input above, or mcp-clearance run ") and "--db" in next_line


def test_the_dashboard_hides_streamlits_developer_toolbar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tomllib

    from click.testing import CliRunner

    from mcp_clearance import cli as cli_module

    config = tomllib.loads((Path(__file__).parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["client"]["toolbarMode"] in ("viewer", "minimal"), "app.py's config hides the toolbar"
    started: list[list[str]] = []
    monkeypatch.setattr("subprocess.call", lambda command, env: started.append(command) or 0)
    db = tmp_path / "estate.duckdb"
    db.write_bytes(b"")  # the command checks only that the file is there before starting Streamlit
    result = CliRunner().invoke(cli_module.main, ["dashboard", "--db", str(db)])
    assert result.exit_code == 0, result.output
    (command,) = started
    assert command[command.index("--client.toolbarMode") + 1] in ("viewer", "minimal")
