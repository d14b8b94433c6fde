"""Re-execute the notebooks on the sample estate and store their outputs, which is what GitHub shows.

    .venv/bin/python notebooks/execute.py                      # all three
    .venv/bin/python notebooks/execute.py 02_analyst.ipynb     # one
    .venv/bin/python notebooks/execute.py --sample-db estate.duckdb   # on a sample database built already

Each notebook runs in notebooks/ (so its relative paths hold) against a sample database built afresh in a
temporary folder, as `bash scripts/start.sh` builds estate.duckdb: the eight back-filled runs, then sample_data/
as of 2026-11-20. The stored numbers are therefore the sample's, whatever a local estate.duckdb holds, and the
walk-through's own copy and the remediation export go to that folder too. tests/test_notebooks.py checks the
stored outputs: current key numbers, a static image for every chart, no path of this machine, no secret.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent
SAMPLE = NOTEBOOKS.parent / "sample_data"


@contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """`env` set for the block: the kernel inherits this process's environment."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def execute(path: Path, env: Mapping[str, str]) -> nbformat.NotebookNode:
    """The notebook at `path`, run top to bottom in notebooks/ with `env`; errors are kept as outputs."""
    notebook = nbformat.read(path, as_version=4)
    with environment(env):
        # no per-cell timestamps: a re-run that changes no number changes no byte of metadata
        NotebookClient(notebook, timeout=600, kernel_name="python3", record_timing=False, allow_errors=True,
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return notebook


def sample_database(folder: Path) -> Path:
    """The sample organisation's database with its history, built in `folder`."""
    from mcp_clearance.history import backfill
    from mcp_clearance.run import run
    from mcp_clearance.sample_estate import DEFAULT_AS_OF

    db = folder / "estate.duckdb"
    backfill(db)
    run(SAMPLE, db, as_of=DEFAULT_AS_OF)
    return db


def main(arguments: list[str]) -> int:
    """`[--sample-db FILE] [NAME.ipynb ...]`: FILE is a sample database built already (by this script's recipe,
    e.g. `bash scripts/start.sh`'s estate.duckdb before anything else ran into it); it is copied, never written."""
    built = None
    if arguments[:1] == ["--sample-db"]:
        built, arguments = Path(arguments[1]), arguments[2:]
    paths = [NOTEBOOKS / name for name in arguments] or sorted(NOTEBOOKS.glob("*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="mcp-clearance-notebooks-") as work:
        folder = Path(work)
        # the fingerprint key of this build stays in the temporary folder, never the developer's own
        with environment({"MCP_CLEARANCE_KEY_FILE": str(folder / "fingerprint.key")}):
            db = sample_database(folder) if built is None else Path(shutil.copyfile(built, folder / "estate.duckdb"))
        env = {"MCP_CLEARANCE_DB": str(db), "MCP_CLEARANCE_ESTATE": str(SAMPLE),
               "MCP_CLEARANCE_WALKTHROUGH_DB": str(folder / "walkthrough.duckdb"),
               "MCP_CLEARANCE_EXPORT": str(folder / "open_findings.csv"),
               "MCP_CLEARANCE_KEY_FILE": str(folder / "fingerprint.key")}
        failed = 0
        for path in paths:
            notebook = execute(path, env)
            errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
                      if o.output_type == "error"]
            if errors:
                failed += 1
                print(f"{path.name}: {errors[0].ename} in a cell; outputs not stored", file=sys.stderr)
                continue
            nbformat.write(notebook, path)
            print(f"{path.name}: outputs stored")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
