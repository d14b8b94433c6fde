"""A small, complete estate and the tools the adversarial tests share.

`build_estate` writes a clean estate with every family present (estate YAML, Claude Desktop,
Cursor and Continue configs, a tool listing, a Vault credential, a ToolHive audit log). Tests
plant one bad thing in a copy and compare what loads against the clean estate, table by table.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mcp_clearance.run import ingest
from mcp_clearance.secrets import SecretScanner
from mcp_clearance.store import create_schema

FIXTURES = Path(__file__).parent.parent / "fixtures"
CLI = Path(sys.executable).with_name("mcp-clearance")

SYSTEM = """\
  - id: {id}
    name: System {id}
    owner: owner@acme.example
    team: platform
    business_unit: Finance
    environment: production
    data_classes: [internal]
    log_sinks:
      - name: siem
        append_only: true
        retention_days: 400
"""

INVENTORY = (
    "systems:\n" + "".join(SYSTEM.format(id=f"sys-{i}") for i in range(1, 4))
    + """\
agents:
  - id: agent-a
    name: Agent A
    owner: owner@acme.example
  - id: agent-b
    name: Agent B
    owner: owner@acme.example
connectors:
  - config: connectors/desktop/*.json
    system: sys-1
    agent: agent-a
  - config: connectors/continue/*.yaml
    system: sys-2
    agent: agent-b
  - config: connectors/cursor/**
    system: sys-3
    agent: agent-b
""")

POLICY = """\
tiers:
  3:
    retention_days: 120
    agent_coverage: 97
  1:
    max_credential_lifetime: 30m
review_window_days: 45
task_credential_grace: 2h
remediation_sla_days: {1: 5, 2: 10}
"""

EXCEPTION = """\
  - id: {id}
    check: SC-02
    system: sys-1
    owner: owner@acme.example
    approver: ciso@acme.example
    reason_kind: risk_accepted
    reason: Accepted for the pilot.
    created: 2026-10-01
    expires: 2027-01-31
"""
EXCEPTIONS = "exceptions:\n" + "".join(EXCEPTION.format(id=f"EXC-{i}") for i in range(1, 4))

TICKET = """\
  - check: ID-03
    system: sys-{n}
    owner: platform
    ticket: PAY-{n}
    due: 2026-12-15
"""
REMEDIATION = "tickets:\n" + "".join(TICKET.format(n=n) for n in range(1, 4))

DESKTOP = """\
{
  "globalShortcut": "Ctrl+Space",
  "mcpServers": {
    "fetch": {"command": "uvx", "args": ["mcp-server-fetch==2025.4.7"]},
    "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.3.28", "/srv"]}
  }
}
"""

CURSOR = """\
{
  "mcpServers": {
    "linear": {"url": "https://mcp.linear.app/mcp", "headers": {"Authorization": "Bearer ${env:LINEAR_API_KEY}"}}
  }
}
"""

CONTINUE = """\
name: Local Assistant
version: 1.0.0
schema: v1
mcpServers:
  - name: github
    command: npx
    args: ["-y", "@modelcontextprotocol/server-github@2025.4.8"]
  - name: docs
    type: streamable-http
    url: https://docs.example.com/mcp
"""

ESTATE_FILES = {
    "inventory.yaml": INVENTORY,
    "policy.yaml": POLICY,
    "exceptions.yaml": EXCEPTIONS,
    "remediation.yaml": REMEDIATION,
    "connectors/desktop/claude_desktop_config.json": DESKTOP,
    "connectors/cursor/.cursor/mcp.json": CURSOR,
    "connectors/continue/config.yaml": CONTINUE,
}
COPIED = {
    "tool_listings/github.json": FIXTURES / "tool_listings/github.json",
    "credentials/vault/token_lookup.json": FIXTURES / "credentials/vault/token_lookup.json",
    "audit/toolhive/gateway.audit.jsonl.gz": FIXTURES / "audit/toolhive.audit.jsonl",
}

# Tables whose row counts say what loaded, per family of the estate.
TABLES = ("systems", "agents", "connector_assignments", "log_sinks", "policy_thresholds", "exceptions",
          "remediation_tickets", "connector_servers", "tools", "credentials", "tool_calls")


def build_estate(root: Path) -> Path:
    for name, text in ESTATE_FILES.items():
        write(root / name, text)
    for name, source in COPIED.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".gz"):  # the fixture's deliberately broken line is left out: the estate is clean
            lines = [line for line in source.read_text().splitlines(keepends=True) if _is_json(line)]
            target.write_bytes(gzip.compress("".join(lines).encode(), mtime=0))
        else:
            shutil.copyfile(source, target)
    return root


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Loaded:
    """What one ingest of an estate produced."""

    counts: dict[str, int]
    quarantine: list[tuple[str, str, int | None, str]]
    sources: list[tuple[str, str, str | None, int, int, int, str]]
    policy: dict[int, tuple]  # tier -> policy_thresholds row


def load(estate: Path) -> Loaded:
    """Ingest `estate` with the pipeline `run` and `validate` share, into a fresh in-memory database."""
    con = duckdb.connect()
    try:
        create_schema(con)
        ctx = ingest(con, estate.resolve(), SecretScanner(b"adversarial-key!" * 2))
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        policy = {row[0]: row[1:] for row in con.execute(
            "SELECT tier, max_credential_lifetime_s, static_secrets_allowed, static_rotation_days, write_tools, "
            "agent_coverage, user_coverage, target_linkage, retention_days, review_window_days, "
            "task_credential_grace_s, remediation_sla_days FROM policy_thresholds ORDER BY tier").fetchall()}
        return Loaded(counts, list(ctx.quarantined), list(ctx.sources), policy)
    finally:
        con.close()


def cli(*args: str, memory_cap: int | None = None, cwd: Path | None = None) -> tuple[int, str, str, int]:
    """(exit code, stdout, stderr, peak RSS in bytes) of `mcp-clearance ARGS` in a child process.

    `memory_cap` sets RLIMIT_AS on the child as a safety net against a runaway; the peak resident
    size is read from the child's own rusage (os.wait4), so other children do not mix in.
    """
    def limit() -> None:
        if memory_cap is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_cap, memory_cap))

    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"adv-{os.getpid()}-{id(args)}"
    with open(f"{out_path}.out", "w+") as out, open(f"{out_path}.err", "w+") as err:
        env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
        child = subprocess.Popen([str(CLI), *args], stdout=out, stderr=err, preexec_fn=limit, env=env,
                                 cwd=cwd)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    Path(f"{out_path}.out").unlink()
    Path(f"{out_path}.err").unlink()
    return child.returncode, stdout, stderr, usage.ru_maxrss * 1024


def gzip_bomb(prefix: bytes, filler: bytes, mebibytes: int, suffix: bytes = b"") -> bytes:
    """A gzip file that decompresses to `prefix`, `mebibytes` MiB of `filler`, then `suffix`.

    Built from gzip members (readers concatenate them), so a 1 GiB bomb costs one 1 MiB compression
    and about 1 KB per MiB on disk.
    """
    chunk = filler * (1024 * 1024 // len(filler))
    chunk += filler[: 1024 * 1024 - len(chunk)]
    member = gzip.compress(chunk, compresslevel=9, mtime=0)
    return gzip.compress(prefix, mtime=0) + member * mebibytes + gzip.compress(suffix, mtime=0)
