"""`mcp-clearance check SYSTEM`: does one system meet a required stage? Written for CI logs.

The answer names the run's as-of date, one line per blocking finding (check and title, resource, the
evidence's file:line, observed against expected), then the path to the next stage with its remediation.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, field
from datetime import date

import duckdb

from mcp_clearance.report import STAGES, VERDICT_STAGE


class UnknownSystem(LookupError):
    """The system is not in the run; `suggestions` are the closest known ids."""

    def __init__(self, system_id: str, suggestions: list[str]) -> None:
        hint = f" — did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"unknown system {system_id!r}{hint}")
        self.suggestions = suggestions


@dataclass(frozen=True)
class Finding:
    status: str
    check_id: str
    title: str
    resource: str
    evidence: str
    observed: str
    expected: str


@dataclass(frozen=True)
class Step:
    step: int
    check_id: str
    title: str
    status: str
    effort: str
    remediation: str


@dataclass(frozen=True)
class CheckResult:
    system_id: str
    as_of: date
    tier: int
    verdict: str
    required: str
    after_risk: bool
    ok: bool
    reason: str
    findings: list[Finding] = field(default_factory=list)
    next_stage: str | None = None
    path: list[Step] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, indent=2)

    def lines(self) -> list[str]:
        """The answer as plain lines (never wrapped: CI logs are read in full)."""
        basis = "after accepted risk" if self.after_risk else "raw verdict"
        head = (f"{self.system_id}: {self.verdict} (tier {self.tier}, {basis}); {self.required} required — "
                f"{'ok' if self.ok else 'falls short'} · as of {self.as_of}")
        if self.ok:
            return [head]
        out = [head, f"why: {self.reason}"]
        if self.findings:
            out.append(f"blocking findings ({len(self.findings)}):")
        for f in self.findings:
            out.append(f"  {f.status:<7} check {f.check_id} · {f.title} — {f.resource} — {f.evidence or 'no evidence'}"
                       f" — observed {f.observed or 'nothing'}, expected {f.expected or 'n/a'}")
        if self.path:
            out.append(f"to reach {self.next_stage}:")
        for s in self.path:
            out.append(f"  {s.step}. check {s.check_id} · {s.title} ({s.status}, effort {s.effort}): {s.remediation}")
        return out


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: list[object]) -> list[dict[str, object]]:
    cursor = con.execute(query, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def as_of(con: duckdb.DuckDBPyConnection) -> date:
    return con.execute("SELECT as_of FROM run_context").fetchone()[0]


def check(con: duckdb.DuckDBPyConnection, system_id: str, require: str, after_risk: bool = False) -> CheckResult:
    """Judge one system against the required stage; raises UnknownSystem (with suggestions) for an unknown id."""
    found = _rows(con, "SELECT * FROM verdicts WHERE system_id = ?", [system_id])
    if not found:
        known = [r[0] for r in con.execute("SELECT system_id FROM verdicts").fetchall()]
        raise UnknownSystem(system_id, difflib.get_close_matches(system_id, known, n=3, cutoff=0.5))
    v = found[0]
    verdict = str(v["verdict_after_risk" if after_risk else "verdict"])
    ok = VERDICT_STAGE[verdict] >= STAGES[require]
    result = CheckResult(system_id, as_of(con), int(v["tier"]), verdict, require, after_risk, ok, str(v["reason"]))
    if ok:
        return result
    # the findings behind the checks that hold the system back (its path to the next stage)
    suppressed = " AND NOT f.suppressed" if after_risk else ""
    findings = [Finding(**{k: "" if val is None else str(val) for k, val in r.items()}) for r in _rows(
        con, "SELECT f.status, f.check_id, f.title, f.resource, f.evidence, f.observed, f.expected FROM findings AS f "
             "JOIN path_to_clearance AS p USING (system_id, check_id) WHERE f.system_id = ? "
             f"AND f.status IN ('FAIL', 'UNKNOWN'){suppressed} ORDER BY p.step, f.resource", [system_id])]
    steps = _rows(con, "SELECT step, check_id, title, status, effort, remediation, next_stage FROM path_to_clearance "
                       "WHERE system_id = ? ORDER BY step", [system_id])
    path = [Step(int(s["step"]), *(str(s[k]) for k in ("check_id", "title", "status", "effort", "remediation")))
            for s in steps]
    next_stage = str(steps[0]["next_stage"]) if steps else None
    return CheckResult(result.system_id, result.as_of, result.tier, verdict, require, after_risk, False,
                       result.reason, findings, next_stage, path)
