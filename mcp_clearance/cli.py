"""`mcp-clearance`: ingest and validate an estate from the command line.

Exit codes: 0 clean, 1 the run finished but quarantined input, 2 the command could not run
(missing estate, unwritable database, disk full). A user never sees a traceback: `entry` turns any
exception that escapes a command into one fixed line that quotes no input.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import duckdb
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from mcp_clearance import report, store
from mcp_clearance import run as runner
from mcp_clearance.pipelines.base import OUTSIDE_ESTATE, estate_files
from mcp_clearance.secrets import SecretScanner

console = Console(stderr=True)
out = Console()

EXIT_OK, EXIT_QUARANTINED, EXIT_ERROR = 0, 1, 2
INTERNAL_ERROR = ("stopped on an internal error; details are not printed because they could quote your input. "
                  "Please report it, with the command you ran and `mcp-clearance --version`, to the MCP Clearance "
                  "issue tracker")


def _error(message: str) -> None:
    # soft_wrap: one message stays one line whatever the terminal width, so paths and commands copy whole
    console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)


def _warning(message: str) -> None:
    console.print(f"[yellow]warning:[/yellow] {escape(message)}", soft_wrap=True)


@contextmanager
def _publishing(db: Path) -> Iterator[None]:
    """The ways a run (or back-fill) ends without publishing, each as one line and exit 2."""
    try:
        yield
    except (runner.EstateNotFound, store.PublishError) as exc:
        _error(str(exc))
        sys.exit(EXIT_ERROR)
    except OSError as exc:
        _error(f"cannot write {db}: {exc.strerror or type(exc).__name__}; the published run is unchanged")
        sys.exit(EXIT_ERROR)


# the evidence folders whose files the progress bar counts (inventory.yaml is one file, read first)
PROGRESS_FOLDERS = [family for family in runner.FAMILIES if family != "inventory"]
# redact_path only redacts, it never fingerprints, so it needs no key
_NAMES = SecretScanner(b"")


def shown_path(estate: Path, path: Path) -> str:
    """A file as the command line names it: relative to the estate, any secret in its parts redacted (a token
    can be a file or folder name), never the machine path."""
    for candidate, root in ((path.absolute(), estate.absolute()), (path.resolve(), estate.resolve())):
        if candidate.is_relative_to(root):
            return _NAMES.redact_path(candidate.relative_to(root).as_posix())
    return _NAMES.redact_path(f"{OUTSIDE_ESTATE}/{path.name}")


def _evidence_files(estate: Path) -> int:
    return sum(1 for folder in PROGRESS_FOLDERS if (estate / folder).is_dir() for _ in estate_files(estate / folder))


def _with_progress(estate: Path, work):  # type: ignore[no-untyped-def]
    """A bar over the evidence files while `work(on_file)` reads them, on a terminal only (CI logs get the summary).
    The file column folds rather than cuts a long name."""
    columns = (TextColumn("{task.fields[family]}"), BarColumn(bar_width=24), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.fields[file]}", table_column=Column(overflow="fold", ratio=1)))
    with Progress(*columns, console=console, transient=True, expand=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("reading", total=_evidence_files(estate), family="reading", file="")
        started = 0

        def on_file(family: str, path: Path) -> None:
            nonlocal started
            started += 1
            progress.update(task, completed=started, family=family, file=shown_path(estate, path), refresh=True)

        return work(on_file)


LOG_WIDTH = 1000


def _plain() -> Console:
    """Standard output for tables: on a terminal its width; elsewhere (a CI log, a pipe) wide enough that no
    line is wrapped or cut, since a log has no width to fit."""
    return out if out.is_terminal else Console(width=LOG_WIDTH)


def _summary(result: runner.RunResult, title: str) -> None:
    target = _plain()
    target.print(escape(title), soft_wrap=True, highlight=False)  # a line of its own: a table title would wrap
    table = Table()
    table.add_column("evidence")
    table.add_column("files", justify="right")
    table.add_column("rows loaded", justify="right")
    table.add_column("quarantined", justify="right")
    for stats in result.families.values():
        table.add_row(stats.family, str(stats.files), f"{stats.rows:,}", str(stats.quarantined))
    target.print(table)
    if result.quarantine:
        target.print(f"Quarantined ({result.quarantined}) — loaded everything else", highlight=False)
        bad = Table()
        bad.add_column("file", overflow="fold")  # a file name is folded onto the next line, never cut
        bad.add_column("line", justify="right")
        bad.add_column("reason", overflow="fold")
        for source, _family, line, reason in result.quarantine[:50]:
            bad.add_row(source, "" if line is None else str(line), reason)
        target.print(bad)
        if result.quarantined > 50:
            target.print(f"… and {result.quarantined - 50} more: SELECT * FROM quarantine")


def _totals(totals: dict[str, int]) -> str:
    insufficient = totals.get("insufficient_evidence", 0)
    return (f"{totals.get('systems', 0)} systems: {totals.get('cleared', 0)} cleared, "
            f"{totals.get('read_only', 0)} read-only, {totals.get('blocked', 0)} blocked"
            + (f" ({insufficient} of them for insufficient evidence)" if insufficient else ""))


def _ending(verdicts: str, next_command: str) -> None:
    """The last two lines of `run` and `validate`: where the estate stands and what to run next."""
    target = _plain()
    target.print(escape(verdicts), soft_wrap=True, highlight=False)
    target.print(f"next: {escape(next_command)}", soft_wrap=True, highlight=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mcp-clearance")
def main() -> None:
    """MCP Clearance: may AI agents be connected to each system through MCP?"""


@main.command("run")
@click.argument("estate", type=click.Path(path_type=Path))
@click.option("--db", type=click.Path(path_type=Path), default=Path("estate.duckdb"), show_default=True,
              help="DuckDB file to publish the run to (replaced atomically).")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Evaluate as if today were this date (history back-fills).")
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Give up after this long when another run is publishing to the same --db  [default: wait].")
@click.option("--full", is_flag=True, default=False,
              help="Read every file, even those unchanged since the published run (whose rows are otherwise copied).")
@click.option("--reduced", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="DIR",
              help="Load the per-run aggregates from a Spark reduction of the lake (docs/scale.md).")
def run_command(estate: Path, db: Path, as_of: object, lock_timeout: float | None, full: bool,
                reduced: Path | None) -> None:
    """Ingest ESTATE and publish the result to the database."""
    day = as_of.date() if as_of is not None else None  # type: ignore[attr-defined]
    with _publishing(db):
        result = _with_progress(estate, lambda hook: runner.run(estate, db, as_of=day, on_file=hook,
                                                                lock_timeout=lock_timeout, on_wait=_warning,
                                                                full=full, reduced=reduced))
    _summary(result, f"Run published to {db} (as of {result.as_of})")
    for note in [*result.notes, *([result.history_note] if result.history_note else [])]:
        _warning(note)
    if result.reused_files:
        _plain().print(f"{result.reused_files} unchanged file(s) copied from the published run, not read again "
                       "(--full reads every file)", soft_wrap=True, highlight=False)
    elif result.reuse_note:
        _plain().print(result.reuse_note, soft_wrap=True, highlight=False)
    quoted = shlex.quote(str(db))
    _ending(f"verdicts as of {result.as_of}: {_totals(result.totals)}",
            f"mcp-clearance dashboard --db {quoted}  (or: mcp-clearance report --db {quoted} -o report.md)")
    sys.exit(EXIT_QUARANTINED if result.quarantine else EXIT_OK)


@main.command("validate")
@click.argument("estate", type=click.Path(path_type=Path))
def validate_command(estate: Path) -> None:
    """Check every input file of ESTATE without writing anything."""
    try:
        result = _with_progress(estate, lambda hook: runner.validate(estate, on_file=hook))
    except runner.EstateNotFound as exc:
        _error(str(exc))
        sys.exit(EXIT_ERROR)
    _summary(result, f"Validated {estate}")
    if result.quarantine:
        console.print(f"[yellow]{result.quarantined} problem(s) found[/yellow]")
    else:
        console.print("[green]all inputs valid[/green]")
    run = f"mcp-clearance run {shlex.quote(str(estate))} --db estate.duckdb"
    _ending(f"verdicts if run today ({result.as_of}): {_totals(result.totals)}",
            f"fix the input above, or {run} (a run sets it aside too and loads the rest)" if result.quarantine
            else run)
    sys.exit(EXIT_QUARANTINED if result.quarantine else EXIT_OK)


def _open(db: Path) -> duckdb.DuckDBPyConnection:
    try:
        return report.open_database(db)
    except report.DatabaseProblem as exc:
        _error(str(exc))
        sys.exit(EXIT_ERROR)


@main.command("report")
@click.option("--db", type=click.Path(path_type=Path), default=Path("estate.duckdb"), show_default=True)
@click.option("--format", "fmt", type=click.Choice(report.REPORT_FORMATS), default="markdown", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None, help="file to write (default: stdout)")
def report_command(db: Path, fmt: str, output: Path | None) -> None:
    """Write the verdicts and findings of the published run."""
    con = _open(db)
    with con:
        text = report.render(con, fmt)
    try:
        report.write(text, output)
    except OSError as exc:
        _error(f"cannot write {output}: {exc.strerror or type(exc).__name__}")
        sys.exit(EXIT_ERROR)


@main.command("check")
@click.argument("system")
@click.option("--require", type=click.Choice(list(report.STAGES)), default="cleared", show_default=True)
@click.option("--after-risk", is_flag=True, help="judge the verdict after accepted exceptions")
@click.option("--db", type=click.Path(path_type=Path), default=Path("estate.duckdb"), show_default=True)
@click.option("--max-age", "max_age", type=click.IntRange(min=0), default=None, metavar="DAYS",
              help="refuse (exit 2) a run whose as-of date is more than DAYS days before today")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check_command(system: str, require: str, after_risk: bool, db: Path, max_age: int | None, fmt: str) -> None:
    """Exit 1 with the blocking findings when SYSTEM falls short of the required stage (for CI gates);
    exit 2 when the answer cannot be given (no database, a stale one, an unknown system)."""
    from datetime import date

    from mcp_clearance import ci_check

    con = _open(db)
    with con:
        run_date = ci_check.as_of(con)
        if max_age is not None and (date.today() - run_date).days > max_age:
            click.echo(f"error: the run in {db} is as of {run_date}, {(date.today() - run_date).days} days ago "
                       f"(--max-age {max_age}): run `mcp-clearance run` again first", err=True)
            sys.exit(EXIT_ERROR)
        try:
            result = ci_check.check(con, system, require, after_risk)
        except ci_check.UnknownSystem as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_ERROR)
    # click.echo, not rich: a CI log gets whole lines, never wrapped at a terminal width it does not have
    click.echo(result.to_json() if fmt == "json" else "\n".join(result.lines()))
    sys.exit(EXIT_OK if result.ok else EXIT_QUARANTINED)


@main.command("dashboard")
@click.option("--db", type=click.Path(path_type=Path), default=Path("estate.duckdb"), show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True)
def dashboard_command(db: Path, port: int) -> None:
    """Start the dashboard (installed with the package) on http://localhost:PORT, reading DB."""
    import os
    import subprocess

    from mcp_clearance.dashboard import data

    if not db.exists():
        console.print(f"[red]error:[/red] no estate database at {db}: create it with "
                      f"`mcp-clearance run ESTATE --db {db}`")
        sys.exit(EXIT_ERROR)
    script = Path(data.__file__).with_name("streamlit_app.py")
    # the same settings as the repository's .streamlit/config.toml: local only, no developer toolbar, no traces
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
               "--server.address", "localhost", "--server.headless", "true", "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false",
               "--client.toolbarMode", "viewer", "--client.showErrorDetails", "none"]
    console.print(f"MCP Clearance dashboard on http://localhost:{port} reading {db.resolve()} (Ctrl-C stops it)")
    try:
        code = subprocess.call(command, env={**os.environ, data.DB_ENV: str(db.resolve())})
    except KeyboardInterrupt:
        code = EXIT_OK
    sys.exit(code)


@main.command("backfill")
@click.option("--db", type=click.Path(path_type=Path), default=Path("estate.duckdb"), show_default=True)
@click.option("--runs", type=click.IntRange(1, 52), default=8, show_default=True, help="number of past runs")
@click.option("--every", "every_days", type=click.IntRange(1, 90), default=7, show_default=True,
              help="days between runs")
def backfill_command(db: Path, runs: int, every_days: int) -> None:
    """Give the sample organisation a history: run the real pipeline on its estate as it stood on past dates."""
    from mcp_clearance import history

    dates = history.history_dates(runs=runs, every_days=every_days)
    with _publishing(db):
        history.backfill(db, dates, on_run=lambda day: console.print(f"history run as of {day}"))
    out.print(f"{len(dates)} past runs ({dates[0]} … {dates[-1]}) published to {db}")


@main.command("export")
@click.option("--db", type=click.Path(path_type=Path), default=Path("estate.duckdb"), show_default=True)
@click.option("--parquet", "folder", type=click.Path(path_type=Path), required=True, metavar="DIR",
              help="lake folder to write (replaced as a whole; see docs/lake.md)")
def export_command(db: Path, folder: Path) -> None:
    """Write the published run's evidence tables as a Parquet lake (audit tables partitioned by day and format)."""
    from mcp_clearance import lake

    try:
        manifest = lake.export(db, folder)
    except (report.DatabaseProblem, lake.ExportError) as exc:
        _error(str(exc))
        sys.exit(EXIT_ERROR)
    rows = sum(table["rows"] for table in manifest["tables"].values())
    out.print(f"exported {len(manifest['tables'])} tables ({rows:,} rows, as of {manifest['as_of']}) to {folder}")


def entry() -> None:
    """Console-script entry: the last line of defence. Whatever escapes a command becomes one fixed line naming
    only the exception's class; its message is not printed, since it may quote the input (a secret, a path)."""
    try:
        main(standalone_mode=True)
    except Exception as exc:
        _error(f"mcp-clearance {INTERNAL_ERROR} ({type(exc).__name__})")
        sys.exit(EXIT_ERROR)


@main.command("generate")
@click.argument("folder", metavar="OUT", type=click.Path(path_type=Path))
@click.option("--systems", type=click.IntRange(min=1), default=None, help="systems in the estate  [default: 36]")
@click.option("--events", type=click.IntRange(min=0), default=None,
              help="tool calls in the audit logs (streamed; tens of millions are fine)  [default: 60000]")
@click.option("--seed", type=int, default=None, help="randomness seed  [default: 7]")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="the estate as it stood on this date  [default: 2026-11-20]")
def generate_command(folder: Path, systems: int | None, events: int | None, seed: int | None,
                     as_of: object) -> None:
    """Write the deterministic sample estate (Acme, acme.example) to OUT: same options, same bytes."""
    from mcp_clearance import sample_estate

    systems = sample_estate.DEFAULT_SYSTEMS if systems is None else systems
    events = sample_estate.DEFAULT_EVENTS if events is None else events
    seed = sample_estate.DEFAULT_SEED if seed is None else seed
    day = sample_estate.DEFAULT_AS_OF if as_of is None else as_of.date()  # type: ignore[attr-defined]
    try:
        sample_estate.generate(folder, systems=systems, events=events, seed=seed, as_of=day)
    except OSError as exc:
        _error(f"cannot write {folder}: {exc.strerror or type(exc).__name__}")
        sys.exit(EXIT_ERROR)
    out.print(f"wrote {folder}: {systems} systems, {events:,} tool calls, as of {day}")


if __name__ == "__main__":
    entry()
