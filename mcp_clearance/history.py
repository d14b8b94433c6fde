"""Back-fill a database with earlier runs of the sample organisation.

The history is made the honest way: the deterministic generator writes the estate as it stood on
each past date, and the real pipeline runs on it with that date as `as_of`. Nothing writes chart
data directly, so trends, first-seen dates, burn-down and deltas come from real runs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from mcp_clearance import run as runner
from mcp_clearance.sample_estate import DEFAULT_AS_OF, DEFAULT_SEED, DEFAULT_SYSTEMS, generate

HISTORY_RUNS = 8
HISTORY_EVERY_DAYS = 7
HISTORY_EVENTS = 20_000  # enough for every coverage share; keeps the eight back-fill runs quick


def history_dates(as_of: date = DEFAULT_AS_OF, runs: int = HISTORY_RUNS,
                  every_days: int = HISTORY_EVERY_DAYS) -> list[date]:
    """The past run dates, oldest first, ending one interval before `as_of`."""
    return [as_of - timedelta(days=every_days * k) for k in range(runs, 0, -1)]


def backfill(db: Path, dates: list[date] | None = None, *, systems: int = DEFAULT_SYSTEMS,
             events: int = HISTORY_EVENTS, seed: int = DEFAULT_SEED,
             on_run: Callable[[date], None] | None = None) -> list[date]:
    """Run the real pipeline on the sample organisation as it stood on each date, into `db`."""
    dates = sorted(dates or history_dates())
    with tempfile.TemporaryDirectory(prefix="mcp-clearance-history-") as work:
        for day in dates:
            if on_run is not None:
                on_run(day)
            estate = Path(work) / day.isoformat()
            generate(estate, systems=systems, events=events, seed=seed, as_of=day)
            runner.run(estate, db, as_of=day)
    return dates
