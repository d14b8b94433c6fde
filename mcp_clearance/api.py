"""A small Python API over a published estate database, for notebooks and the dashboard.

>>> from mcp_clearance import Estate
>>> estate = Estate.open("estate.duckdb")          # or Estate.run("sample_data", db="estate.duckdb")
>>> estate.verdicts(tier=1).head()                 # a pandas DataFrame
>>> estate.sql("SELECT * FROM gate_matrix WHERE status = ?", ["FAIL"])

Every method reads one of the named views in queries/, the same ones the dashboard uses. Filter
values are always passed to DuckDB as parameters, never formatted into SQL.
"""

from __future__ import annotations

import difflib
import html
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from mcp_clearance import figures
from mcp_clearance.report import READ_CATALOG, DatabaseProblem, open_database

# gates by name or by their G1/G2/G3 names (BLUEPRINT.md)
GATE_NAMES = {"identity": "identity", "scope": "scope", "audit": "audit", "g1": "identity", "g2": "scope",
              "g3": "audit"}
# filters whose values are a closed set: a value outside it is a mistake, never "no rows"
CLOSED_VALUES: dict[str, tuple[Any, ...]] = {
    "tier": (1, 2, 3, 4),
    "verdict": ("CLEARED", "READ_ONLY", "BLOCKED"),
    "status": ("PASS", "FAIL", "UNKNOWN", "NOT_APPLICABLE"),
    "severity": ("critical", "high", "medium", "low"),
    "gate": ("identity", "scope", "audit"),
}
# filters whose values are whatever the run holds: checked against it, so a typo raises instead of matching nothing
RUN_VALUES = {
    "system_id": "SELECT system_id FROM systems",
    "business_unit": "SELECT DISTINCT business_unit FROM systems",
    "team": "SELECT DISTINCT team FROM systems",
    "owner": "SELECT DISTINCT owner FROM systems",
    "environment": "SELECT DISTINCT environment FROM systems",
    "check_id": "SELECT check_id FROM check_catalog",
}
LISTED = 12  # valid values named in an error before "… (N in all)"


class UnknownValue(ValueError, LookupError):
    """A filter value, view, figure, framework or requirement that does not exist; the message names the valid
    ones (and the closest, when one is close)."""


def unknown_value(what: str, value: Any, valid: Sequence[Any], how_to_list: str = "") -> UnknownValue:
    """`what=value is not valid (did you mean …?); choose from …` — matching ignores case."""
    names = [str(v) for v in valid]
    by_case = {n.lower(): n for n in names}
    close = [by_case[c] for c in difflib.get_close_matches(str(value).lower(), list(by_case), n=3, cutoff=0.6)]
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    listed = ", ".join(names[:LISTED]) + (f", … ({len(names)} in all{how_to_list})" if len(names) > LISTED else "")
    return UnknownValue(f"{what}={value!r} is not valid{hint}; choose from {listed or 'nothing: the run has none'}")


def _normalised(name: str, values: list[Any]) -> list[Any]:
    """The values of one filter checked against its closed set (gates also by G1/G2/G3, verdicts as "read-only",
    statuses and severities in any case); raises UnknownValue naming the valid values."""
    if name == "gate":
        values = [GATE_NAMES.get(str(v).lower(), v) for v in values]
    elif name in ("verdict", "status"):
        values = [str(v).upper().replace("-", "_").replace(" ", "_") for v in values]
    elif name == "severity":
        values = [str(v).lower() for v in values]
    elif name == "tier":
        values = [int(v) if isinstance(v, str) and v.strip().isdigit() else v for v in values]
    allowed = CLOSED_VALUES.get(name)
    bad = [v for v in values if allowed is not None and v not in allowed]
    if bad:
        error = unknown_value(name, bad[0], allowed)
        raise UnknownValue(f"{error} (or G1, G2, G3)") if name == "gate" else error
    return values


@dataclass(frozen=True)
class Filter:
    """Column filters shared by the API and the dashboard: None or empty means "all"."""

    tier: Sequence[int] | int | None = None
    business_unit: Sequence[str] | str | None = None
    team: Sequence[str] | str | None = None
    owner: Sequence[str] | str | None = None
    environment: Sequence[str] | str | None = None
    gate: Sequence[str] | str | None = None
    check_id: Sequence[str] | str | None = None
    severity: Sequence[str] | str | None = None
    status: Sequence[str] | str | None = None
    system_id: Sequence[str] | str | None = None
    verdict: Sequence[str] | str | None = None

    @classmethod
    def of(cls, **filters: Any) -> Filter:
        """A Filter from keyword arguments; an unknown keyword names the valid ones."""
        fields = list(cls.__dataclass_fields__)
        unknown = sorted(set(filters) - set(fields))
        if unknown:
            close = difflib.get_close_matches(unknown[0], fields, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise TypeError(f"unknown filter {unknown[0]!r}{hint}; filters are {', '.join(fields)}")
        return cls(**filters)

    def given(self) -> dict[str, list[Any]]:
        """The filters that narrow anything, each as a list of values."""
        return {name: [value] if isinstance(value, (str, int)) else list(value)
                for name, value in self.__dict__.items() if value is not None}

    def where(self, columns: Sequence[str]) -> tuple[str, list[Any]]:
        """A WHERE clause over the columns the view has, with its parameters."""
        clauses, params = [], []
        for name, given in self.given().items():
            if name not in columns:
                continue
            values = _normalised(name, given)
            if not values:
                continue
            clauses.append(f"{name} IN ({', '.join('?' for _ in values)})")
            params += values
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def share(value: Any) -> str:
    """A share as a whole percentage; an estate with no systems has no share ("n/a", never "nan%")."""
    return "n/a" if value is None or pd.isna(value) else f"{value:.0%}"


class Estate:
    """One published run (and its history) of an estate."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.con = con
        self.path = path
        self._values: dict[str, list[Any]] = {}

    @classmethod
    def open(cls, db: str | Path = "estate.duckdb") -> Estate:
        """Open a database published by `mcp-clearance run`, read-only."""
        path = Path(db)
        return cls(open_database(path), path)

    @classmethod
    def run(cls, estate: str | Path, db: str | Path = "estate.duckdb", as_of: date | None = None,
            start_from: str | Path | None = None) -> Estate:
        """Ingest and evaluate an estate folder, publish it to `db`, and open the result.

        `start_from` (a published database, e.g. the shared one) is copied to `db` first when it exists, so the run
        carries its history while the original is only read.
        """
        from mcp_clearance.run import run as run_pipeline

        db = Path(db)
        if start_from is not None and Path(start_from).exists() and Path(start_from).resolve() != db.resolve():
            # a published file is complete (runs rename it into place), so a copy is a whole run; the copy is
            # renamed into place too, so a reader still open on the previous `db` keeps reading that file
            partial = db.with_name(f"{db.name}.copy-{os.getpid()}")
            shutil.copyfile(start_from, partial)
            os.replace(partial, db)
        run_pipeline(Path(estate), db, as_of=as_of)
        return cls.open(db)

    def cursor(self) -> Estate:
        """The same run on a connection of its own, for another thread: a DuckDB connection holds one pending
        result, so threads that share one would read each other's results."""
        con = self.con.cursor()
        con.execute(f"USE {READ_CATALOG}")
        return Estate(con, self.path)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Estate:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- plain SQL ----------------------------------------------------------------------------

    def sql(self, query: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run any SQL against the evidence tables and views; returns a DataFrame."""
        return self.con.execute(query, list(params or [])).df()

    def arrow(self, query: str, params: Sequence[Any] | None = None) -> Any:
        """Like sql(), as a pyarrow Table."""
        return self.con.sql(query, params=list(params or [])).to_arrow_table()

    def polars(self, query: str, params: Sequence[Any] | None = None) -> Any:
        """Like sql(), as a Polars DataFrame (Polars is optional: `pip install polars`)."""
        try:
            import polars  # noqa: F401 -- DuckDB's .pl() needs it importable
        except ImportError:
            raise ImportError("Estate.polars() needs Polars: pip install polars") from None
        return self.con.sql(query, params=list(params or [])).pl()

    def views(self) -> pd.DataFrame:
        """Every named view with its columns."""
        return self.sql(
            "SELECT table_name AS view, list(column_name ORDER BY ordinal_position) AS columns "
            "FROM information_schema.columns WHERE table_name IN "
            "(SELECT view_name FROM duckdb_views() WHERE NOT internal) GROUP BY table_name ORDER BY table_name"
        )

    def view(self, name: str, filters: Filter | None = None, order_by: str | None = None,
             limit: int | None = None) -> pd.DataFrame:
        """Rows of one view, filtered on whichever filter columns the view has (the dashboard hands one set of
        filters to many views). Closed sets (tier, verdict, gate, status, severity) are checked; the question
        methods below also check every other value against the run."""
        columns = self._columns(name)
        where, params = (filters or Filter()).where(columns)
        order = f" ORDER BY {order_by}" if order_by else ""
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        return self.sql(f'SELECT * FROM "{name}"{where}{order}{tail}', params)

    def _columns(self, view: str) -> list[str]:
        known = self.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1")["view_name"].tolist()
        if view not in known:
            raise unknown_value("view", view, known, "; Estate.views() lists them")
        return [r[0] for r in self.con.execute(f'DESCRIBE "{view}"').fetchall()]

    # -- what a filter may be ---------------------------------------------------------------------

    def values(self, name: str) -> list[Any]:
        """The values filter `name` accepts in this run, e.g. estate.values("business_unit")."""
        if name in CLOSED_VALUES:
            return list(CLOSED_VALUES[name])
        if name not in RUN_VALUES:
            raise unknown_value("filter", name, list(Filter.__dataclass_fields__))
        if name not in self._values:
            self._values[name] = sorted(self.sql(RUN_VALUES[name]).iloc[:, 0].dropna().tolist())
        return self._values[name]

    def _check(self, name: str, given: list[Any]) -> None:
        valid = set(self.values(name))
        for value in given:
            if value not in valid:
                raise unknown_value(name, value, self.values(name), f"; estate.values({name!r}) lists them")

    def _questions(self, view: str, filters: dict[str, Any], order_by: str, limit: int | None = None
                   ) -> pd.DataFrame:
        """A view narrowed by keyword filters that must each apply to it and hold values the run has."""
        chosen = Filter.of(**filters)
        columns = self._columns(view)
        for name, given in chosen.given().items():
            if name not in columns:
                takes = [f for f in Filter.__dataclass_fields__ if f in columns]
                raise TypeError(f"{view} has no {name} to filter on; it takes {', '.join(takes)}")
            if name in RUN_VALUES:
                self._check(name, given)
        return self.view(view, chosen, order_by=order_by, limit=limit)

    # -- the questions people ask ---------------------------------------------------------------

    @property
    def as_of(self) -> date:
        return self.con.execute("SELECT as_of FROM run_context").fetchone()[0]

    def summary(self) -> pd.DataFrame:
        """The headline numbers (one row)."""
        return self.view("estate_summary")

    def verdicts(self, **filters: Any) -> pd.DataFrame:
        """One row per system: tier and why, verdict raw and after accepted risk, gates, reason.
        Filters: tier, business_unit, team, owner, environment, system_id, verdict ("read-only" or "READ_ONLY")."""
        return self._questions("verdicts", filters, order_by="tier, system_id")

    def gates(self, **filters: Any) -> pd.DataFrame:
        """Systems x gates with pass / fail / unknown counts and coverage (gate by name or G1/G2/G3)."""
        return self._questions("gate_matrix", filters, order_by="tier, system_id, gate")

    def findings(self, include_suppressed: bool = True, requirement: str | Sequence[str] | None = None,
                 **filters: Any) -> pd.DataFrame:
        """Check results with reasons and evidence (default: FAIL and UNKNOWN only).

        `requirement` ("<framework_id> <requirement_id>", e.g. "owasp_mcp_top10_2025 MCP01:2025", or a list)
        keeps the findings of the checks mapped to those framework requirements.
        """
        filters.setdefault("status", ["FAIL", "UNKNOWN"])
        frame = self._questions("findings", filters, order_by="system_id, check_id, resource")
        if requirement is not None:
            wanted = [requirement] if isinstance(requirement, str) else list(requirement)
            for one in wanted:
                self._check_requirement(one)
            mapped = self.sql("SELECT DISTINCT check_id FROM framework_requirements "
                              "WHERE check_id IS NOT NULL AND list_contains(?, framework_id || ' ' || requirement_id)",
                              [wanted])
            frame = frame[frame["check_id"].isin(mapped["check_id"])]
        return frame if include_suppressed else frame[~frame["suppressed"]]

    def _check_requirement(self, requirement: str) -> None:
        framework_id, _, requirement_id = requirement.partition(" ")
        self._check_framework(framework_id)
        known = self.sql("SELECT DISTINCT requirement_id, position FROM framework_requirements WHERE framework_id = ? "
                         "ORDER BY position", [framework_id])["requirement_id"].tolist()
        if requirement_id not in known:
            raise unknown_value(f"requirement of {framework_id}", requirement_id, known,
                                f"; estate.framework_status({framework_id!r}) lists them")

    def _check_framework(self, framework_id: str) -> None:
        known = self.frameworks()["framework_id"].tolist()
        if framework_id not in known:
            raise unknown_value("framework", framework_id, known)

    def _check_system(self, system_id: str | None) -> None:
        if system_id is not None:
            self._check("system_id", [system_id])

    def path_to_clearance(self, system_id: str | None = None) -> pd.DataFrame:
        """The checks whose fix moves each system (or one) to its next stage, easiest first."""
        self._check_system(system_id)
        return self.view("path_to_clearance", Filter(system_id=system_id), order_by="system_id, step")

    def credentials(self, **filters: Any) -> pd.DataFrame:
        """Credentials of each system's agents with lifetime against the tier limit."""
        return self._questions("credential_lifetimes", filters,
                               order_by="system_id, agent_id, source_format, credential_id")

    def tool_calls(self, system_id: str | None = None, limit: int | None = 10_000) -> pd.DataFrame:
        self._check_system(system_id)
        return self.view("tool_calls_resolved", Filter(system_id=system_id), order_by="occurred_at, event_id",
                         limit=limit)

    def delegation_coverage(self, **filters: Any) -> pd.DataFrame:
        """Per agent and system: the share of calls that name the agent, the user, the decision, a trace id and
        link to the target system's log."""
        return self._questions("delegation_chain_coverage", filters, order_by="system_id, agent_id")

    def frameworks(self) -> pd.DataFrame:
        return self.sql("SELECT DISTINCT framework_id, framework_name, group_attribute FROM framework_requirements "
                        "ORDER BY framework_id")

    def framework_status(self, framework_id: str, system_id: str | None = None) -> pd.DataFrame:
        """Every requirement of one framework: passing / failing / unknown / gap."""
        self._check_framework(framework_id)
        self._check_system(system_id)
        if system_id is None:
            return self.sql("SELECT * FROM framework_status_estate WHERE framework_id = ? ORDER BY position",
                            [framework_id])
        return self.sql("SELECT * FROM framework_status WHERE framework_id = ? AND system_id = ? ORDER BY position",
                        [framework_id, system_id])

    def deltas(self) -> pd.DataFrame:
        """New / unchanged / resolved / incomparable findings since the previous run."""
        return self.view("finding_deltas", order_by="delta, system_id, check_id, resource")

    def trend(self) -> pd.DataFrame:
        return self.view("trend_per_run")

    def burn_down(self) -> pd.DataFrame:
        return self.view("burn_down_per_team")

    def exceptions(self) -> pd.DataFrame:
        return self.view("exceptions_audit", order_by="expires, exception_id")

    def quarantine(self) -> pd.DataFrame:
        return self.sql("SELECT * FROM quarantine ORDER BY source_file, line")

    def board_summary(self) -> str:
        """One plain-language paragraph a CISO can paste into a board note."""
        s = self.summary().iloc[0]
        tier1 = self.sql("SELECT count(*) AS n, count(*) FILTER (WHERE verdict = 'CLEARED') AS cleared "
                         "FROM verdicts WHERE tier = 1").iloc[0]
        top = self.view("top_failing_checks", limit=1)
        overdue = int(self.sql("SELECT count(*) AS n FROM findings WHERE overdue AND NOT suppressed").iloc[0]["n"])
        gap = (f" The most common gap is \"{top.iloc[0]['title']}\" (check {top.iloc[0]['check_id']}), holding back "
               f"{top.iloc[0]['systems_failing']} systems." if len(top) else "")
        return (
            f"As of {self.as_of}, {s['cleared']} of {s['systems']} systems are cleared for MCP agents, "
            f"{s['read_only']} are limited to read-only tools and {s['blocked']} are blocked"
            f" ({s['insufficient_evidence']} of those lack the evidence to decide)."
            f" Of {tier1['n']} critical (tier 1) systems, {tier1['cleared']} are cleared.{gap}"
            f" Evidence coverage is {share(s['evidence_coverage'])}. {s['open_findings']} findings are open"
            f" ({overdue} past their due date) and {s['exceptions_expiring_30d']} accepted risks expire within"
            " 30 days."
        )

    # -- the dashboard's figures ----------------------------------------------------------------

    def figure(self, name: str, **kwargs: Any) -> Any:
        """The same plotly figure the dashboard shows, e.g. estate.figure("verdicts_by_tier"); keyword arguments
        narrow its rows (`framework_status`: framework_id, system_id; `credential_lifetimes`: system_id;
        `gate_matrix`: the filters of gates(); `top_failing_checks`: limit)."""
        if name not in FIGURE_ROWS:
            raise unknown_value("figure", name, list(FIGURE_ROWS))
        return figures.FIGURES[name](FIGURE_ROWS[name](self, **kwargs))

    # -- notebook display -----------------------------------------------------------------------

    def chart(self, name: str, **kwargs: Any) -> Any:
        """A figure for a notebook: interactive where plotly is drawn, a static PNG everywhere else (GitHub)."""
        from mcp_clearance.display import Chart

        return Chart(self.figure(name, **kwargs))

    def show(self, frame: pd.DataFrame, columns: Sequence[str] | None = None, caption: str | None = None) -> Any:
        """Rows for reading: human labels, coloured verdicts, wrapped text, checks with their titles, no ids."""
        from mcp_clearance.display import Table

        titles = dict(self.sql("SELECT check_id, title FROM check_catalog").itertuples(index=False))
        return Table(frame, titles, columns=columns, caption=caption)

    def _summary_cells(self) -> list[tuple[str, Any]]:
        s = self.summary().iloc[0]
        return [("as of", self.as_of), ("systems", s["systems"]), ("cleared", s["cleared"]),
                ("read-only", s["read_only"]), ("blocked", s["blocked"]),
                ("of them, insufficient evidence", s["insufficient_evidence"]),
                ("evidence coverage", share(s["evidence_coverage"])), ("open findings", s["open_findings"]),
                ("quarantined records", s["quarantined_records"])]

    def _repr_html_(self) -> str:
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                       for k, v in self._summary_cells())
        # the file's name only: a full path names the machine (a home or temp folder)
        return f"<table><caption>MCP Clearance — {html.escape(self.path.name)}</caption>{body}</table>"

    def __repr__(self) -> str:
        s = self.summary().iloc[0]
        return (f"Estate({self.path.name}, as of {self.as_of}: {s['systems']} systems, {s['cleared']} cleared, "
                f"{s['read_only']} read-only, {s['blocked']} blocked)")


# the rows each figure is drawn from
FIGURE_ROWS: dict[str, Callable[..., pd.DataFrame]] = {
    "verdicts_by_tier": lambda estate: estate.view("verdicts_by_tier"),
    "verdicts_by_unit": lambda estate: estate.view("verdicts_by_unit"),
    "gate_matrix": lambda estate, **filters: estate.gates(**filters).merge(estate.sql(
        "SELECT system_id, gate, coalesce(string_agg(check_id || ' ' || title, '; ' ORDER BY check_id) "
        "FILTER (WHERE status = 'FAIL'), '') AS failing_checks FROM system_check_status GROUP BY ALL"),
        on=["system_id", "gate"], how="left"),
    "trend": lambda estate: estate.trend(),
    "top_failing_checks": lambda estate, limit=10: estate.view("top_failing_checks", limit=limit),
    "burn_down": lambda estate: estate.burn_down(),
    "framework_status": lambda estate, framework_id, system_id=None: estate.framework_status(framework_id, system_id),
    "credential_lifetimes": lambda estate, system_id: estate.credentials(system_id=system_id),
    "deltas": lambda estate: estate.deltas(),
}

__all__ = ["DatabaseProblem", "Estate", "Filter", "UnknownValue"]
