"""The estate's own description: inventory, policy, exceptions and remediation tickets.

Small YAML files, validated record by record (mcp_clearance.estate); a bad record is quarantined
with file, line and field path and the rest of the file loads. A connector glob that can never
match, or matches no file, is reported too: otherwise its system silently has no connectors.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath

import duckdb
import yaml

from mcp_clearance.estate import (
    EXCEPTIONS_FILE,
    INVENTORY_FILE,
    POLICY_FILE,
    REMEDIATION_FILE,
    Agent,
    ConnectorAssignment,
    InputError,
    Policy,
    RiskException,
    System,
    Ticket,
    effective_thresholds,
    node_line,
    policy_deviations,
    read_yaml,
    validate_records,
    validate_with_defaults,
)
from mcp_clearance.pipelines.base import LINK_OUTSIDE, LoadContext, estate_files

FAMILY = "inventory"
CONNECTORS_FOLDER = "connectors"


def load(ctx: LoadContext, estate: Path) -> list[InputError]:
    """Load the four estate files; returns every input error (also quarantined)."""
    errors: list[InputError] = []
    errors += _guarded(ctx, estate / INVENTORY_FILE, _load_inventory)
    errors += _guarded(ctx, estate / POLICY_FILE, _load_policy)
    errors += _guarded(ctx, estate / EXCEPTIONS_FILE, _load_exceptions)
    errors += _guarded(ctx, estate / REMEDIATION_FILE, _load_remediation)
    for error in errors:
        ctx.quarantine(error.file, FAMILY, f"{error.field}: {error.message}" if error.field else error.message,
                       error.line)
    return errors


Loader = Callable[[LoadContext, Path], list[InputError]]


def _guarded(ctx: LoadContext, path: Path, loader: Loader) -> list[InputError]:
    """Run one file's loader; whatever it did not foresee is that file's error, never the run's end.

    Validation bounds every value before it reaches the database, so this is the last line only.
    """
    try:
        return loader(ctx, path)
    except (duckdb.Error, ValueError, TypeError, OverflowError, RecursionError) as exc:
        error = InputError(path.name, None, "", f"could not be stored ({type(exc).__name__}); nothing of it is used")
        if loader is _load_policy:  # the strict defaults must exist whatever happened
            ctx.con.execute("DELETE FROM policy_thresholds")
            ctx.con.execute("DELETE FROM policy_deviations")
            _load_policy(ctx, path, use_file=False)
        return [error]


def _start(ctx: LoadContext, path: Path, required: bool) -> tuple[object, object, str, list[InputError]] | None:
    relative = ctx.relative(path)
    if _links_outside(ctx, path):
        return None, None, path.name, [InputError(path.name, None, "", LINK_OUTSIDE)]
    if path.exists() and not path.is_file():  # a folder, FIFO or device: opening a FIFO would block the run
        return None, None, relative, [InputError(relative, None, "", "not a regular file; not read")]
    if not path.exists():
        if required:
            return None, None, relative, [InputError(relative, None, "", "missing: every estate needs an inventory")]
        return None
    data, root, errors = read_yaml(path, relative)
    return data, root, relative, errors


def _load_inventory(ctx: LoadContext, path: Path) -> list[InputError]:
    started = _start(ctx, path, required=True)
    assert started is not None
    data, root, relative, errors = started
    if errors:
        _record(ctx, path, 0, len(errors))
        return errors
    sections, errors = validate_records(
        data, root, relative, {"systems": System, "agents": Agent, "connectors": ConnectorAssignment},
        required={"systems"},
    )
    systems, agents, connectors = [], [], []
    seen_systems: set[str] = set()
    for system, line in sections["systems"]:
        assert isinstance(system, System)
        if system.id in seen_systems:
            errors.append(InputError(relative, line, "systems.id", f"duplicate system id {system.id!r}"))
            continue
        seen_systems.add(system.id)
        systems.append((system, line))
    seen_agents: set[str] = set()
    for agent, line in sections["agents"]:
        assert isinstance(agent, Agent)
        if agent.id in seen_agents:
            errors.append(InputError(relative, line, "agents.id", f"duplicate agent id {agent.id!r}"))
            continue
        seen_agents.add(agent.id)
        agents.append((agent, line))
    for assignment, line in sections["connectors"]:
        assert isinstance(assignment, ConnectorAssignment)
        if assignment.system not in seen_systems:
            errors.append(InputError(relative, line, "connectors.system", f"unknown system {assignment.system!r}"))
        elif assignment.agent not in seen_agents:
            errors.append(InputError(relative, line, "connectors.agent", f"unknown agent {assignment.agent!r}"))
        else:
            connectors.append((assignment, line))
    errors += _unmatched_globs(ctx, relative, root, data, connectors)

    ctx.insert_rows("systems", [
        {"system_id": s.id, "name": s.name, "owner": s.owner, "team": s.team, "business_unit": s.business_unit,
         "environment": s.environment, "data_classes": list(s.data_classes), "tier_override": s.tier,
         "tier_override_reason": s.tier_reason, "tier_approver": s.tier_approver, "source_file": relative,
         "source_line": line}
        for s, line in systems
    ])
    ctx.insert_rows("approved_servers", [
        {"system_id": s.id, "server_name": a.name, "approved_tools": a.tools, "source_file": relative,
         "source_line": line}
        for s, line in systems for a in s.approved_servers
    ])
    ctx.insert_rows("log_sinks", [
        {"system_id": s.id, "sink_name": k.name, "append_only": k.append_only, "hash_chained": k.hash_chained,
         "retention_days": k.retention_days, "source_file": relative, "source_line": line}
        for s, line in systems for k in s.log_sinks
    ])
    ctx.insert_rows("agents", [
        {"agent_id": a.id, "name": a.name, "owner": a.owner, "kind": a.kind, "source_file": relative,
         "source_line": line}
        for a, line in agents
    ])
    # an agent is always known by its own id as well as by the identities listed for it
    ctx.insert_rows("agent_identities", [
        {"agent_id": a.id, "identity": identity, "source_file": relative}
        for a, _ in agents for identity in dict.fromkeys([a.id, *a.identities])
    ])
    ctx.insert_rows("connector_assignments", [
        {"config_glob": c.config, "server_name": server, "system_id": c.system, "agent_id": c.agent,
         "source_file": relative, "source_line": line}
        for c, line in connectors for server in (c.servers or [None])
    ])
    _record(ctx, path, len(systems) + len(agents) + len(connectors), len(errors))
    return errors


def _load_policy(ctx: LoadContext, path: Path, use_file: bool = True) -> list[InputError]:
    """Thresholds per tier; a bad value is reported and that field keeps its (strict) default."""
    started = _start(ctx, path, required=False) if use_file else None
    policy = Policy()
    errors: list[InputError] = []
    relative = "(defaults)"
    if started is not None:
        data, root, relative, errors = started
        if errors:  # unreadable: every default applies
            relative = "(defaults)"
        else:
            validated, errors = validate_with_defaults(data, root, relative, Policy)
            assert isinstance(validated, Policy)
            policy = validated
        _record(ctx, path, 0 if relative == "(defaults)" else 1, len(errors))
    thresholds = effective_thresholds(policy)
    ctx.insert_rows("policy_thresholds", [
        {"tier": tier, "max_credential_lifetime_s": t.max_credential_lifetime_s,
         "static_secrets_allowed": t.static_secrets_allowed, "static_rotation_days": t.static_rotation_days,
         "write_tools": t.write_tools, "agent_coverage": t.agent_coverage, "user_coverage": t.user_coverage,
         "target_linkage": t.target_linkage, "retention_days": t.retention_days,
         "review_window_days": t.review_window_days, "task_credential_grace_s": t.task_credential_grace_s,
         "remediation_sla_days": t.remediation_sla_days, "tamper_evidence": t.tamper_evidence,
         "advisory_severities": list(t.advisory_severities),
         "source_file": relative}
        for tier, t in thresholds.items()
    ])
    ctx.insert_rows("policy_deviations", [
        {"tier": tier, "threshold": name, "default_value": old, "policy_value": new, "direction": direction,
         "source_file": relative}
        for tier, name, old, new, direction in policy_deviations(thresholds)
    ])
    return errors


def _load_exceptions(ctx: LoadContext, path: Path) -> list[InputError]:
    started = _start(ctx, path, required=False)
    if started is None:
        return []
    data, root, relative, errors = started
    if errors:
        _record(ctx, path, 0, len(errors))
        return errors
    sections, errors = validate_records(data, root, relative, {"exceptions": RiskException}, required=set())
    rows, seen = [], set()
    for exc, line in sections["exceptions"]:
        assert isinstance(exc, RiskException)
        if exc.id in seen:
            errors.append(InputError(relative, line, "exceptions.id", f"duplicate exception id {exc.id!r}"))
            continue
        seen.add(exc.id)
        rows.append({"exception_id": exc.id, "check_id": exc.check, "system_id": exc.system,
                     "resource": exc.resource, "owner": exc.owner, "approver": exc.approver,
                     "reason_kind": exc.reason_kind, "reason": exc.reason, "ticket": exc.ticket,
                     "created": exc.created, "expires": exc.expires, "source_file": relative, "source_line": line})
    ctx.insert_rows("exceptions", rows)
    _record(ctx, path, len(rows), len(errors))
    return errors


def _load_remediation(ctx: LoadContext, path: Path) -> list[InputError]:
    started = _start(ctx, path, required=False)
    if started is None:
        return []
    data, root, relative, errors = started
    if errors:
        _record(ctx, path, 0, len(errors))
        return errors
    sections, errors = validate_records(data, root, relative, {"tickets": Ticket}, required=set())
    rows = [
        {"check_id": t.check, "system_id": t.system, "resource": t.resource, "owner": t.owner, "ticket": t.ticket,
         "due": t.due, "source_file": relative, "source_line": line}
        for t, line in sections["tickets"] if isinstance(t, Ticket)
    ]
    ctx.insert_rows("remediation_tickets", rows)
    _record(ctx, path, len(rows), len(errors))
    return errors


def _unmatched_globs(ctx: LoadContext, relative: str, root: yaml.Node | None, data: object,
                     assignments: list[tuple[ConnectorAssignment, int | None]]) -> list[InputError]:
    """A warning per connector glob that can never match or matches no config file.

    Globs match with DuckDB's GLOB, as in the `system_connectors` view, and the same way: one query meets
    every glob with the files of the folder its literal part names, so the cost is linear in globs and
    files, not their product. The reason names the assignment and its system but not the glob, which is
    free text from the file.
    """
    raw = data.get("connectors") if isinstance(data, dict) else None
    index_by_line = {node_line(root, ("connectors", i)): i for i in range(len(raw))} if isinstance(raw, list) else {}
    files = [ctx.relative(p) for p in estate_files(ctx.estate_root / CONNECTORS_FOLDER)]
    matched = _globs_matching(ctx.con, [a.config for a, _ in assignments], files)
    warnings = []
    for position, (assignment, line) in enumerate(assignments):
        where = f"connectors[{index_by_line.get(line, '?')}]"
        problem = None
        if not _can_match(assignment.config):
            problem = ("can never match: a config glob is a path relative to the estate folder, "
                       f"with / separators and no '..', under {CONNECTORS_FOLDER}/")
        elif position not in matched:
            problem = f"matches no file under {CONNECTORS_FOLDER}/"
        if problem:
            warnings.append(InputError(relative, line, f"{where}.config",
                                       f"warning: the config glob for system {assignment.system} {problem}; "
                                       "no connector is assigned by it"))
    return warnings


def _globs_matching(con: duckdb.DuckDBPyConnection, globs: list[str], files: list[str]) -> set[int]:
    """Positions in `globs` of those that match at least one of `files` (DuckDB GLOB).

    A file can only match a glob inside the folder the glob's literal part names (up to its last '/'
    before a wildcard), so each glob is tested only against the files under that folder, at any depth.
    """
    if not globs or not files:
        return set()
    rows = con.execute(r"""
        WITH globs AS (
            SELECT position, pattern, regexp_extract(pattern, '^([^*?\[\\]*/)?') AS folder
            FROM (SELECT unnest(?::VARCHAR[]) AS pattern, generate_subscripts(?::VARCHAR[], 1) - 1 AS position)
        ), files AS (SELECT unnest(?::VARCHAR[]) AS file),
        folders AS (
            SELECT file, array_to_string(string_split(file, '/')[1:depth], '/')
                         || CASE WHEN depth > 0 THEN '/' ELSE '' END AS folder
            FROM files CROSS JOIN unnest(range(0, len(string_split(file, '/')))) AS d(depth)
        )
        SELECT DISTINCT g.position FROM globs AS g JOIN folders AS f USING (folder) WHERE f.file GLOB g.pattern
    """, [globs, globs, files]).fetchall()
    return {position for (position,) in rows}


def _can_match(glob: str) -> bool:
    """False for a glob no estate path can match: absolute, backslashed, `..`, or outside connectors/."""
    if "\\" in glob or glob.startswith("/") or (len(glob) > 1 and glob[1] == ":"):
        return False
    parts = PurePosixPath(glob).parts
    if ".." in parts or not parts:
        return False
    first = parts[0]
    return any(ch in first for ch in "*?[") or first == CONNECTORS_FOLDER


def _links_outside(ctx: LoadContext, path: Path) -> bool:
    return path.is_symlink() and not path.resolve().is_relative_to(ctx.estate_root.resolve())


def _record(ctx: LoadContext, path: Path, loaded: int, quarantined: int) -> None:
    if path.exists() and not _links_outside(ctx, path):  # never hash a file outside the estate
        ctx.record_source(path, FAMILY, "yaml", loaded, quarantined)
