"""The files a person writes to describe an estate, validated with pydantic.

Every model rejects unknown keys. Records are validated one by one so that one bad system or
exception is reported (file, line, field path, what was expected) while the rest still load.
Every number and date has a documented range (docs/limits.md), so one absurd value is a reported
error in its record and never an overflow further down.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from mcp_clearance.safe_load import MAX_FILE_BYTES, DocumentError, load_yaml, read_bounded

INVENTORY_FILE = "inventory.yaml"
POLICY_FILE = "policy.yaml"
EXCEPTIONS_FILE = "exceptions.yaml"
REMEDIATION_FILE = "remediation.yaml"

DataClass = Literal[
    "public", "aggregated", "internal", "confidential", "personal", "customer_pii", "health",
    "financial", "payment", "credentials", "production_records",
]
Slug = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/@\-]*$", max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]

# Value ranges (docs/limits.md). Integers are strict: 30.5, "30" or true where a count is due is an
# error, not a silent conversion.
MAX_DAYS = 36500  # 100 years
MAX_DURATION_S = 10 * 365 * 86400  # 10 years
Days = Annotated[StrictInt, Field(ge=0, le=MAX_DAYS)]
PositiveDays = Annotated[StrictInt, Field(ge=1, le=MAX_DAYS)]
EARLIEST_DATE, LATEST_DATE = date(1970, 1, 1), date(2199, 12, 31)
Day = Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# inventory.yaml ---------------------------------------------------------------------------------

class ApprovedServer(Strict):
    name: Slug
    tools: list[Slug] | None = Field(default=None, description="approved tools; omit to approve the server only")


class LogSink(Strict):
    name: Slug
    append_only: bool | None = None
    hash_chained: bool | None = None
    retention_days: Days | None = None


class System(Strict):
    id: Slug
    name: Text
    owner: Text
    team: Slug
    business_unit: Text
    environment: Literal["production", "staging", "development", "sandbox"]
    data_classes: list[DataClass] = Field(min_length=1)
    tier: Literal[1, 2, 3, 4] | None = None
    tier_reason: Text | None = None
    # who accepted a tier lower than the derived one; a lowering without it is not applied
    tier_approver: Text | None = None
    approved_servers: list[ApprovedServer] = []
    log_sinks: list[LogSink] = []

    @model_validator(mode="after")
    def _override_needs_reason(self) -> System:
        if self.tier is not None and not self.tier_reason:
            raise ValueError("tier is set, so tier_reason must say why the derived tier is overridden")
        return self


class Agent(Strict):
    id: Slug
    name: Text
    owner: Text
    kind: Literal["agent", "human", "workflow"] = "agent"
    identities: list[Text] = Field(default=[], description="names the agent appears under in credentials and logs")


class ConnectorAssignment(Strict):
    config: Text = Field(description="glob, relative to the estate folder, of the client config files")
    system: Slug
    agent: Slug
    servers: list[Slug] | None = None


class Inventory(Strict):
    systems: list[System]
    agents: list[Agent] = []
    connectors: list[ConnectorAssignment] = []


# policy.yaml ------------------------------------------------------------------------------------

_DURATION = re.compile(r"^(\d{1,12})\s*([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION_FORMAT = "expected a duration like 30m, 1h, 7d or a whole number of seconds, at most 10 years (3650d)"


def parse_duration(text: str | int) -> int:
    """'1h' / '7d' / '90d' / seconds -> seconds, 0 to 10 years; ValueError otherwise."""
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise ValueError(_DURATION_FORMAT)
    if isinstance(text, int):
        seconds = text
    else:
        match = _DURATION.match(text.strip())
        if not match:
            raise ValueError(_DURATION_FORMAT)
        seconds = int(match.group(1)) * _SECONDS[match.group(2)]
    if not 0 <= seconds <= MAX_DURATION_S:
        raise ValueError(_DURATION_FORMAT)
    return seconds


def _duration(value: object) -> object:
    parse_duration(value)  # type: ignore[arg-type]
    return value


def _positive_duration(value: object) -> object:
    if parse_duration(value) == 0:  # type: ignore[arg-type]
        raise ValueError("a credential lifetime must be at least one second")
    return value


Duration = Annotated[StrictStr | StrictInt, BeforeValidator(_duration), Field(description="30m, 1h, 7d or seconds")]
Lifetime = Annotated[StrictStr | StrictInt, BeforeValidator(_positive_duration),
                     Field(description="30m, 1h, 7d or seconds; at least 1s")]
Percent = Annotated[float, Field(strict=True, ge=0, le=100, allow_inf_nan=False)]


class TierPolicy(Strict):
    max_credential_lifetime: Lifetime | None = None
    static_secrets: Literal["never", "rotated"] | None = None
    static_rotation_days: PositiveDays | None = None
    write_tools: Literal["exception_only", "allowlisted"] | None = None
    agent_coverage: Percent | None = None
    user_coverage: Percent | None = None
    target_linkage: Percent | None = None
    target_linkage_required: bool | None = None
    retention_days: Days | None = None
    # verified: only a verified hash chain / signature clears AU-05; declared: an append-only, hash-chained sink
    # declaration is enough
    tamper_evidence: Literal["verified", "declared"] | None = None
    # failing checks of these severities are advisory at this tier: shown, but they hold no gate
    advisory_severities: list[Literal["critical", "high", "medium", "low"]] | None = None


class Policy(Strict):
    tiers: dict[Literal[1, 2, 3, 4], TierPolicy] = {}
    review_window_days: PositiveDays = 30
    task_credential_grace: Duration = "1h"
    remediation_sla_days: dict[Literal[1, 2, 3, 4], PositiveDays] = {}


@dataclass(frozen=True)
class Thresholds:
    """One tier's effective thresholds (defaults from CHECKS.md, overridden by policy.yaml)."""

    max_credential_lifetime_s: int
    static_secrets_allowed: bool
    static_rotation_days: int | None
    write_tools: str
    agent_coverage: float  # share 0..1
    user_coverage: float
    target_linkage: float | None  # None: not required
    retention_days: int
    tamper_evidence: str = "declared"  # verified | declared
    advisory_severities: tuple[str, ...] = ()
    # policy-wide settings, repeated per tier so that every loosened value is a deviation of the tier it loosens
    review_window_days: int = 30
    task_credential_grace_s: int = 3600
    remediation_sla_days: int = 30


DEFAULT_SLA_DAYS = {1: 7, 2: 14, 3: 30, 4: 60}
DEFAULT_THRESHOLDS: dict[int, Thresholds] = {
    1: Thresholds(3600, False, None, "exception_only", 0.999, 0.999, 0.99, 365, "verified", (),
                  remediation_sla_days=DEFAULT_SLA_DAYS[1]),
    2: Thresholds(86400, False, None, "exception_only", 0.99, 0.99, 0.95, 180, "declared", (),
                  remediation_sla_days=DEFAULT_SLA_DAYS[2]),
    3: Thresholds(7 * 86400, True, 30, "allowlisted", 0.95, 0.95, 0.80, 90, "declared", (),
                  remediation_sla_days=DEFAULT_SLA_DAYS[3]),
    4: Thresholds(90 * 86400, True, 90, "allowlisted", 0.90, 0.90, None, 30, "declared", ("low",),
                  remediation_sla_days=DEFAULT_SLA_DAYS[4]),
}
SEVERITY_ORDER = ("critical", "high", "medium", "low")


def effective_thresholds(policy: Policy) -> dict[int, Thresholds]:
    result = {}
    for tier, shipped in DEFAULT_THRESHOLDS.items():
        default = replace(
            shipped, review_window_days=policy.review_window_days,
            task_credential_grace_s=parse_duration(policy.task_credential_grace),
            remediation_sla_days=policy.remediation_sla_days.get(tier, shipped.remediation_sla_days),  # type: ignore[call-overload]
        )
        override = policy.tiers.get(tier)  # type: ignore[call-overload]
        if override is None:
            result[tier] = default
            continue
        linkage = default.target_linkage
        if override.target_linkage is not None:
            linkage = override.target_linkage / 100
        if override.target_linkage_required is False:
            linkage = None
        static = default.static_secrets_allowed if override.static_secrets is None else (
            override.static_secrets == "rotated")
        result[tier] = Thresholds(
            max_credential_lifetime_s=(default.max_credential_lifetime_s if override.max_credential_lifetime is None
                                       else parse_duration(override.max_credential_lifetime)),
            static_secrets_allowed=static,
            static_rotation_days=(
                (override.static_rotation_days or default.static_rotation_days or 30) if static else None),
            write_tools=override.write_tools or default.write_tools,
            agent_coverage=default.agent_coverage if override.agent_coverage is None else override.agent_coverage / 100,
            user_coverage=default.user_coverage if override.user_coverage is None else override.user_coverage / 100,
            target_linkage=linkage,
            retention_days=default.retention_days if override.retention_days is None else override.retention_days,
            tamper_evidence=override.tamper_evidence or default.tamper_evidence,
            advisory_severities=(default.advisory_severities if override.advisory_severities is None else tuple(
                s for s in SEVERITY_ORDER if s in override.advisory_severities)),
            review_window_days=default.review_window_days,
            task_credential_grace_s=default.task_credential_grace_s,
            remediation_sla_days=default.remediation_sla_days,
        )
    return result


def policy_deviations(thresholds: dict[int, Thresholds]) -> Iterator[tuple[int, str, str, str, str]]:
    """(tier, threshold, default, policy value, looser|stricter) for every changed threshold."""
    higher_is_stricter = {"agent_coverage", "user_coverage", "target_linkage", "retention_days"}
    for tier, effective in thresholds.items():
        default = DEFAULT_THRESHOLDS[tier]
        for name in Thresholds.__dataclass_fields__:
            old, new = getattr(default, name), getattr(effective, name)
            if old == new:
                continue
            if name == "static_secrets_allowed":
                looser = bool(new)
            elif name == "write_tools":
                looser = new == "allowlisted"
            elif name == "tamper_evidence":
                looser = new == "declared"
            elif name == "advisory_severities":
                looser = not set(new) <= set(old)  # a severity that no longer holds a gate
            elif old is None or new is None:
                # a None threshold means "not required" (linkage) or "not allowed" (rotation days)
                looser = new is None if name == "target_linkage" else old is None
            elif name in higher_is_stricter:
                looser = new < old
            else:
                looser = new > old
            yield tier, name, _shown(old), _shown(new), "looser" if looser else "stricter"


def _shown(value: object) -> str:
    return (", ".join(map(str, value)) or "none") if isinstance(value, tuple) else str(value)


# exceptions.yaml and remediation.yaml -------------------------------------------------------------

CheckId = Annotated[str, Field(pattern=r"^(ID|SC|AU)-\d{2}$")]


class RiskException(Strict):
    id: Slug
    check: CheckId
    system: Slug
    resource: Text | None = None
    owner: Text
    approver: Text
    reason_kind: Literal["compensating_control", "risk_accepted", "false_positive", "planned_remediation"]
    reason: Text
    ticket: Text | None = None
    created: Day
    expires: Day

    @model_validator(mode="after")
    def _expiry_after_creation(self) -> RiskException:
        if self.expires <= self.created:
            raise ValueError("expires must be after created")
        return self


class Exceptions(Strict):
    exceptions: list[RiskException] = []


class Ticket(Strict):
    check: CheckId
    system: Slug
    resource: Text | None = None
    owner: Text
    ticket: Text
    due: Day | None = None


class Remediation(Strict):
    tickets: list[Ticket] = []


# Loading with file, line and field path in every error --------------------------------------------

@dataclass(frozen=True)
class InputError:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


def node_line(node: yaml.Node | None, path: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at `path` (keys and list indexes), or of its nearest parent."""
    line = node.start_mark.line + 1 if node is not None else None
    for step in path:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(step)), None)
            key = next((k for k, v in node.value if k.value == str(step)), None)
            if match is None:
                return line
            node, line = match, (key.start_mark.line + 1 if key is not None else line)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _describe(error: dict[str, Any]) -> str:
    # pydantic's own message without the offending input, which could hold a secret
    if error["type"] == "extra_forbidden":
        return "unknown key (not part of the format; check the spelling)"
    return str(error["msg"]).removeprefix("Value error, ")


def read_yaml(path: Path, relative: str) -> tuple[Any, yaml.Node | None, list[InputError]]:
    """Parse a YAML file within the limits of mcp_clearance.safe_load; any problem is an InputError."""
    try:
        data, root = load_yaml(read_bounded(path, MAX_FILE_BYTES).decode("utf-8"))
        return data, root, []
    except DocumentError as exc:
        return None, None, [InputError(relative, exc.line, "", exc.reason)]
    except UnicodeDecodeError as exc:
        return None, None, [InputError(relative, None, "", f"not UTF-8 text (byte {exc.start})")]


def validate_records(
    data: Any, root: yaml.Node | None, relative: str, sections: dict[str, type[Strict]], *, required: set[str]
) -> tuple[dict[str, list[tuple[Strict, int | None]]], list[InputError]]:
    """Validate each record of each list section on its own, so one bad record spares the rest."""
    errors: list[InputError] = []
    loaded: dict[str, list[tuple[Strict, int | None]]] = {name: [] for name in sections}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return loaded, [InputError(relative, node_line(root, ()), "", "expected a mapping at the top level")]
    for key in data:
        if key not in sections:
            errors.append(InputError(relative, node_line(root, (key,)), str(key),
                                     f"unknown key; expected one of: {', '.join(sections)}"))
    for name, model in sections.items():
        records = data.get(name)
        if records is None:
            if name in required:
                errors.append(InputError(relative, node_line(root, ()), name, "required section is missing"))
            continue
        if not isinstance(records, list):
            errors.append(InputError(relative, node_line(root, (name,)), name, "expected a list"))
            continue
        for index, record in enumerate(records):
            try:
                loaded[name].append((model.model_validate(record), node_line(root, (name, index))))
            except ValidationError as exc:
                for error in exc.errors():
                    loc = (name, index, *error["loc"])
                    field = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc)
                    errors.append(InputError(relative, node_line(root, loc), field.replace(".[", "["),
                                             _describe(error)))
    return loaded, errors


def validate_mapping(
    data: Any, root: yaml.Node | None, relative: str, model: type[Strict]
) -> tuple[Strict | None, list[InputError]]:
    """Validate a whole small file (a check or framework definition) as one record: all or nothing."""
    try:
        return model.model_validate(data or {}), []
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            errors.append(InputError(relative, node_line(root, tuple(error["loc"])), field, _describe(error)))
        return None, errors


def validate_with_defaults(
    data: Any, root: yaml.Node | None, relative: str, model: type[Strict]
) -> tuple[Strict, list[InputError]]:
    """Validate a whole small file whose every field has a default (policy.yaml), value by value.

    A bad value is reported and left out, so that field alone keeps its default: the shipped
    defaults are the strict reading, so a typo can never loosen a threshold. A top level that is
    not a mapping leaves every default in place.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return model(), [InputError(relative, node_line(root, ()), "", "expected a mapping at the top level; "
                                    "every default applies")]
    errors: list[InputError] = []
    reported: set[tuple[Any, ...]] = set()
    current = _plain_copy(data)
    while True:  # each pass removes at least one value or gives up, so this ends
        try:
            return model.model_validate(current), errors
        except ValidationError as exc:
            progressed = False
            for error in exc.errors():
                dropped = _drop(current, tuple(error["loc"]))
                if dropped in reported:
                    continue
                reported.add(dropped)
                progressed = progressed or bool(dropped)
                field = ".".join(str(p) for p in dropped)
                errors.append(InputError(relative, node_line(root, dropped), field,
                                         f"{_describe(error)}; the default applies"))
            if not progressed:  # an error of the whole file (a cross-field rule): nothing of it is used
                return model(), errors


def _plain_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_copy(v) for v in value]
    return value


def _drop(data: dict[Any, Any], loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Remove the deepest value of `data` that `loc` (a pydantic error location) reaches; its path.

    Locations can name a dict key (`[key]`) or a union member (`str`, `int`) below the value
    itself; the walk stops at the last step that exists in the data.
    """
    container: Any = data
    path: list[Any] = []
    for step in loc:
        present = (step in container if isinstance(container, dict)
                   else isinstance(container, list) and isinstance(step, int) and 0 <= step < len(container))
        if not present:
            break
        container = container[step]
        path.append(step)
    if not path:
        return ()
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return tuple(path)
