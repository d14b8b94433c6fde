"""The estate's own description: inventory, policy, exceptions and remediation tickets.

Small YAML files, validated record by record (mcp_clearance.estate); a bad record is quarantined
with file, line and field path and the rest of the file loads.
"""

from __future__ import annotations

from pathlib import Path

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
    policy_deviations,
    read_yaml,
    validate_mapping,
    validate_records,
)
from mcp_clearance.pipelines.base import LoadContext

FAMILY = "inventory"


def load(ctx: LoadContext, estate: Path) -> list[InputError]:
    """Load the four estate files; returns every input error (also quarantined)."""
    errors: list[InputError] = []
    errors += _load_inventory(ctx, estate / INVENTORY_FILE)
    errors += _load_policy(ctx, estate / POLICY_FILE)
    errors += _load_exceptions(ctx, estate / EXCEPTIONS_FILE)
    errors += _load_remediation(ctx, estate / REMEDIATION_FILE)
    for error in errors:
        ctx.quarantine(error.file, FAMILY, f"{error.field}: {error.message}" if error.field else error.message,
                       error.line)
    return errors


def _start(ctx: LoadContext, path: Path, required: bool) -> tuple[object, object, str, list[InputError]] | None:
    relative = ctx.relative(path)
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


def _load_policy(ctx: LoadContext, path: Path) -> list[InputError]:
    started = _start(ctx, path, required=False)
    policy: Policy | None = Policy()
    errors: list[InputError] = []
    relative = ctx.relative(path)
    if started is not None:
        data, root, relative, errors = started
        if not errors:
            validated, errors = validate_mapping(data, root, relative, Policy)
            policy = validated if isinstance(validated, Policy) else None
        _record(ctx, path, 0 if errors else 1, len(errors))
    # an invalid policy falls back to the shipped defaults, the strictest reading, never a looser one
    policy = policy if policy is not None and not errors else Policy()
    thresholds = effective_thresholds(policy)
    ctx.insert_rows("policy_thresholds", [
        {"tier": tier, "max_credential_lifetime_s": t.max_credential_lifetime_s,
         "static_secrets_allowed": t.static_secrets_allowed, "static_rotation_days": t.static_rotation_days,
         "write_tools": t.write_tools, "agent_coverage": t.agent_coverage, "user_coverage": t.user_coverage,
         "target_linkage": t.target_linkage, "retention_days": t.retention_days,
         "review_window_days": t.review_window_days, "task_credential_grace_s": t.task_credential_grace_s,
         "remediation_sla_days": t.remediation_sla_days, "tamper_evidence": t.tamper_evidence,
         "advisory_severities": list(t.advisory_severities),
         "source_file": relative if started is not None and not errors else "(defaults)"}
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


def _record(ctx: LoadContext, path: Path, loaded: int, quarantined: int) -> None:
    if path.exists():
        ctx.record_source(path, FAMILY, "yaml", loaded, quarantined)
