"""The check catalog and the framework mappings, as data.

A check is `checks/<ID>.yaml` (metadata, validated here) beside `checks/<ID>.sql` (the query the
evaluator runs). A framework is `frameworks/<id>.yaml` listing every requirement of the framework,
mapped or not, with the checks that cover it and how strongly. Severity belongs to the check; the
framework keeps its own grouping (layer, function, family, ...).

`python -m mcp_clearance.catalog > docs/checks.md` regenerates the Markdown catalog from these files.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import Field, ValidationInfo, field_validator

from mcp_clearance.estate import (
    DEFAULT_THRESHOLDS,
    InputError,
    Strict,
    Thresholds,
    node_line,
    read_yaml,
    validate_mapping,
)

Gate = Literal["identity", "scope", "audit"]
Severity = Literal["critical", "high", "medium", "low"]
Effort = Literal["low", "medium", "high"]
Evidence = Literal[
    "connectors", "tools", "credentials", "audit", "target_logs", "inventory", "sink_declarations", "policy",
]
Strength = Literal["full", "partial"]

GATES: tuple[Gate, ...] = ("identity", "scope", "audit")
GATE_TITLES: dict[Gate, str] = {"identity": "G1 Identity", "scope": "G2 Scope", "audit": "G3 Audit"}
GATE_PREFIX: dict[str, Gate] = {"ID": "identity", "SC": "scope", "AU": "audit"}

CheckId = Annotated[str, Field(pattern=r"^(ID|SC|AU)-\d{2}$")]
Line = Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[^\n]+$")]
Paragraph = Annotated[str, Field(min_length=1, max_length=1200)]


class CatalogError(ValueError):
    """One or more catalog files are invalid; `errors` has file, line, field and message for each."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__("invalid catalog:\n" + "\n".join(f"  {e}" for e in errors))


# check metadata -----------------------------------------------------------------------------------

class CheckMeta(Strict):
    id: CheckId
    gate: Gate
    severity: Severity
    title: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\n]+$")]
    rationale: Paragraph
    remediation: Paragraph
    effort: Effort = Field(description="what fixing it typically takes")
    evidence: list[Evidence] = Field(min_length=1, description="evidence families the check reads")
    fails_when: Line
    references: list[Line] = Field(default=[], description="URLs or citations from the reference texts")
    # The READ_ONLY verdict lifts this check's failures: holding the agent to read-only tools removes the risk.
    read_only_relief: bool = False

    @field_validator("gate")
    @classmethod
    def _gate_matches_id(cls, gate: Gate, info: ValidationInfo) -> Gate:
        check_id = info.data.get("id")
        if check_id is not None and GATE_PREFIX[check_id[:2]] != gate:
            raise ValueError(f"{check_id} belongs to the {GATE_PREFIX[check_id[:2]]} gate (id prefix {check_id[:2]}-), "
                             f"not {gate}")
        return gate

    @field_validator("read_only_relief")
    @classmethod
    def _relief_only_for_scope(cls, relief: bool, info: ValidationInfo) -> bool:
        if relief and info.data.get("gate", "scope") != "scope":
            raise ValueError("only scope checks can be relieved by holding the agent to read-only tools")
        return relief

    @field_validator("evidence", "references")
    @classmethod
    def _no_repeats(cls, values: list[str]) -> list[str]:
        repeated = sorted(v for v, n in Counter(values).items() if n > 1)
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return values


# frameworks ---------------------------------------------------------------------------------------

class CheckMapping(Strict):
    check: CheckId
    strength: Strength = Field(description="full: the check tests the requirement itself; partial: one part of it")


class Requirement(Strict):
    id: Line
    title: Line
    group: Line = Field(description="the value of the framework's requirement_attribute")
    description: Line
    checks: list[CheckMapping] = Field(default=[], description="empty: no check covers it, shown as a gap")

    @field_validator("checks")
    @classmethod
    def _each_check_once(cls, checks: list[CheckMapping]) -> list[CheckMapping]:
        repeated = sorted(c for c, n in Counter(m.check for m in checks).items() if n > 1)
        if repeated:
            raise ValueError(f"check mapped more than once: {', '.join(repeated)}")
        return checks


class Framework(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    name: Line
    version: Line
    publisher: Line
    url: Line
    status: Literal["final", "beta"]
    description: Paragraph
    requirement_attribute: Annotated[str, Field(pattern=r"^[a-z_]+$")]
    requirements: list[Requirement] = Field(min_length=1)

    @field_validator("requirements")
    @classmethod
    def _unique_ids(cls, requirements: list[Requirement]) -> list[Requirement]:
        repeated = sorted(r for r, n in Counter(req.id for req in requirements).items() if n > 1)
        if repeated:
            raise ValueError(f"requirement id listed more than once: {', '.join(repeated)}")
        return requirements


# loading ------------------------------------------------------------------------------------------

def default_checks_dir() -> Path:
    return Path(str(resources.files("mcp_clearance.checks")))


def default_frameworks_dir() -> Path:
    return Path(str(resources.files("mcp_clearance.frameworks")))


_Item = TypeVar("_Item", CheckMeta, Framework)


def _load_folder(folder: Path, model: type[_Item]) -> list[_Item]:
    """Validate every YAML in `folder`; all problems of all files are raised together."""
    loaded: list[_Item] = []
    errors: list[InputError] = []
    for path in sorted(folder.glob("*.yaml")):
        relative = f"{folder.name}/{path.name}"
        data, root, read_errors = read_yaml(path, relative)
        item, item_errors = (None, read_errors) if read_errors else validate_mapping(data, root, relative, model)
        errors.extend(item_errors)
        if not isinstance(item, model):
            continue
        # the file name is the id, so ids cannot repeat and a file is found by its id
        if item.id != path.stem:
            errors.append(InputError(relative, node_line(root, ("id",)), "id",
                                     f"{item.id} does not match the file name {path.stem}"))
            continue
        loaded.append(item)
    if errors:
        raise CatalogError(errors)
    return loaded


def load_checks(folder: Path) -> dict[str, CheckMeta]:
    """Every `<ID>.yaml` in `folder`, by id. Raises CatalogError naming file, line and field."""
    return {meta.id: meta for meta in _load_folder(folder, CheckMeta)}


def missing_queries(folder: Path) -> list[str]:
    """Check ids whose `<ID>.sql` is missing. Separate from loading: queries may be written later."""
    return sorted(p.stem for p in folder.glob("*.yaml") if not p.with_suffix(".sql").exists())


def load_frameworks(folder: Path) -> list[Framework]:
    """Every framework file in `folder`, in file-name order. Raises CatalogError naming file, line and field."""
    return _load_folder(folder, Framework)


def mapping_problems(checks: dict[str, CheckMeta], frameworks: Iterable[Framework]) -> list[str]:
    """Mappings naming a check that does not exist, and checks no framework requirement maps to."""
    problems = []
    mapped: set[str] = set()
    for framework in frameworks:
        for req in framework.requirements:
            for mapping in req.checks:
                mapped.add(mapping.check)
                if mapping.check not in checks:
                    problems.append(f"{framework.id}: {req.id} maps {mapping.check}, which is not a check")
    problems.extend(f"{check_id} maps to no framework requirement" for check_id in sorted(set(checks) - mapped))
    return problems


# the generated Markdown catalog -------------------------------------------------------------------

REGENERATE = "python -m mcp_clearance.catalog > docs/checks.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _anchor(heading: str) -> str:
    # GitHub's heading slug, so the summary table links to each check
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


RULES_FILE = "RULES.md"  # the verdict rules, beside the checks; the thresholds table is filled in from the defaults


def _threshold_table() -> list[str]:
    """The shipped per-tier thresholds, from the same defaults the evaluation uses."""
    def shown(name: str, value: object) -> str:
        if value is None:
            return "not required" if name == "target_linkage" else "—"
        if isinstance(value, tuple):
            return ", ".join(map(str, value)) or "none"
        if isinstance(value, float):
            return f"{value * 100:g} %"
        return str(value)

    names = list(Thresholds.__dataclass_fields__)
    lines = ["| threshold | " + " | ".join(f"tier {t}" for t in DEFAULT_THRESHOLDS) + " |",
             "| --- |" + " --- |" * len(DEFAULT_THRESHOLDS)]
    for name in names:
        lines.append(f"| `{name}` | " + " | ".join(shown(name, getattr(t, name)) for t in DEFAULT_THRESHOLDS.values())
                     + " |")
    return lines


def render_rules() -> str:
    text = (default_checks_dir() / RULES_FILE).read_text()
    return text.replace("TIER_THRESHOLDS_TABLE", "\n".join(_threshold_table())).rstrip("\n")


def render_check_docs(checks: dict[str, CheckMeta], frameworks: list[Framework]) -> str:
    """The check catalog as Markdown: the verdict rules, a summary, every check in full, and framework coverage."""
    ordered = sorted(checks.values(), key=lambda c: (GATES.index(c.gate), c.id))
    maps: dict[str, list[str]] = {c.id: [] for c in ordered}
    for framework in frameworks:
        for req in framework.requirements:
            for mapping in req.checks:
                if mapping.check in maps:
                    maps[mapping.check].append(f"{framework.name}: {req.id} {req.title} ({mapping.strength})")

    out = [
        "# Check catalog",
        "",
        f"<!-- Generated from checks/*.yaml and frameworks/*.yaml by `{REGENERATE}`. Do not edit by hand. -->",
        "",
        "Every check returns `PASS`, `FAIL`, `UNKNOWN` or `NOT_APPLICABLE` per system and resource. Missing "
        "evidence is `UNKNOWN`, never `PASS`. Thresholds (lifetimes, coverage, retention) come from the tier "
        "policy, not from the check.",
        "",
        render_rules(),
        "",
        "## Checks",
        "",
        "| id | gate | severity | effort | title |",
        "| --- | --- | --- | --- | --- |",
        *(f"| [{c.id}](#{_anchor(f'{c.id} {c.title}')}) | {c.gate} | {c.severity} | {c.effort} | {_cell(c.title)} |"
          for c in ordered),
    ]
    for gate in GATES:
        out += ["", f"## {GATE_TITLES[gate]}"]
        for c in (c for c in ordered if c.gate == gate):
            out += [
                "",
                f"### {c.id} {c.title}",
                "",
                f"- Gate: {c.gate}",
                f"- Severity: {c.severity}",
                f"- Effort to fix: {c.effort}",
                f"- Evidence: {', '.join(c.evidence)}",
                f"- Fails when: {c.fails_when}",
            ]
            if c.read_only_relief:
                out.append("- Read-only relief: a failure is lifted when the check, re-evaluated over the agent's "
                           "read-only tools alone, passes")
            out += ["", f"Rationale: {c.rationale.strip()}", "", f"Remediation: {c.remediation.strip()}", ""]
            out += ["Frameworks:", "", *(f"- {m}" for m in maps[c.id] or ["none"])]
            if c.references:
                out += ["", "References:", "", *(f"- {r}" for r in c.references)]
    out += [
        "",
        "## Framework coverage",
        "",
        "Requirements no check covers are gaps; they stay listed in the framework files.",
        "",
        "| framework | version | requirements | covered (full) | covered (partial only) | gaps |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for framework in frameworks:
        reqs = framework.requirements
        full = sum(any(m.strength == "full" for m in r.checks) for r in reqs)
        partial = sum(bool(r.checks) and all(m.strength == "partial" for m in r.checks) for r in reqs)
        gaps = [r.id for r in reqs if not r.checks]
        out.append(f"| {_cell(framework.name)} | {_cell(framework.version)} | {len(reqs)} | {full} | {partial} | "
                   f"{', '.join(gaps) or '—'} |")
    return "\n".join(out) + "\n"


def main() -> None:
    sys.stdout.write(render_check_docs(load_checks(default_checks_dir()), load_frameworks(default_frameworks_dir())))


if __name__ == "__main__":
    main()
