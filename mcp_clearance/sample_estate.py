"""A deterministic sample estate: Acme (acme.example), its MCP connectors and their evidence.

`generate(out)` writes a complete estate folder in the real formats the pipelines read: client
configs from ten MCP clients, `tools/list` listings, credential inventories from nine sources,
gateway audit events, OTLP traces, raw JSON-RPC captures and CloudTrail target logs, plus the four
YAML files a person writes. Every system is built to show one intended outcome (SCENARIOS), and
`as_of` moves the estate through time (TIMELINE): findings get fixed, new ones appear, one evidence
source disappears.

Same arguments, same bytes: randomness comes only from `seed` (Python `random.Random` seeded with
strings, integer hashing in SQL), timestamps only from `as_of`, and gzip headers carry no time.
Audit events are rendered and written by DuckDB straight from `range(n)`, so ten million events
never exist as Python objects.

    python -m mcp_clearance.sample_estate --out sample_data
"""

from __future__ import annotations

import argparse
import base64
import csv
import gzip
import hashlib
import io
import json
import random
import shutil
import string
import tempfile
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import yaml

DEFAULT_AS_OF = date(2026, 11, 20)
DEFAULT_SYSTEMS = 36
DEFAULT_EVENTS = 60_000
DEFAULT_SEED = 7

DOMAIN = "acme.example"
TRUST_DOMAIN = "acme.example"
IDP = "https://idp.acme.example"
AWS_ACCOUNT = "111122223333"
AWS_REGION = "eu-west-1"
REVIEW_DAYS = 29  # events fall inside the 30-day review window, with a day's margin
TASK_CALLS = 6  # tool calls per agent task: one user, one request id / MCP session, one AWS role session
ANCHOR_TASKS = 3  # each trail ends with tasks at fixed times, so per-task tokens match real activity
ANCHOR_GAP = timedelta(hours=7)
ANCHOR_LEAD = timedelta(minutes=6)  # the last task starts this long before the trail ends

# The estate's history (TIMELINE renders it): what changes on which day.
SECRET_TO_REFERENCE = date(2026, 10, 12)  # crm-accounts: literal OpenAI key replaced by $OPENAI_API_KEY
LOGGING_ON = date(2026, 10, 20)  # service-catalog: gateway audit logging switched on
GCP_KEY_ROTATED = date(2026, 11, 1)  # market-dashboards: never-expiring key replaced by a 30-day key
SHADOW_SERVER_ADDED = date(2026, 11, 3)  # sales-ops: someone adds an unapproved lead-enrichment server
SERVER_PINNED = date(2026, 11, 17)  # public-docs-search: `npx -y pkg` pinned to an exact version
ENTRA_EXPORT_GONE = date(2026, 11, 15)  # partner-api: the Entra credential export stops arriving
PAT_CREATED = date(2026, 11, 16)  # mobile-backend: a never-expiring GitHub PAT is issued to the agent


# -- people -------------------------------------------------------------------------------------

USERS: dict[str, tuple[str, ...]] = {
    "Finance": ("priya.nair", "dana.kim", "marc.lefevre", "olu.adeyemi", "ines.garcia"),
    "Customer Operations": ("tom.becker", "aisha.khan", "li.wei", "rosa.martinez"),
    "Operations": ("pieter.janssen", "fatima.zahra", "kenji.mori"),
    "People": ("grace.liu", "noah.fischer", "amara.obi"),
    "Engineering": ("sam.okafor", "jana.novak", "diego.silva", "mei.tanaka", "omar.haddad"),
    "Data & Analytics": ("hannah.berg", "raj.patel", "chloe.dubois"),
    "Marketing": ("lucas.moreau", "emma.wilson"),
    "Security & IT": ("victor.ivanov", "zoe.clark", "ben.adler"),
    "Sales": ("carla.romano", "james.okoro", "nina.petrova"),
}


def email(user: str) -> str:
    return f"{user}@{DOMAIN}"


# -- what a system is made of ---------------------------------------------------------------------

@dataclass(frozen=True)
class Secret:
    """A planted literal secret (fake, in a real token shape), rendered into `fmt` at `{}`."""

    kind: str
    key: str
    fmt: str = "{}"


@dataclass(frozen=True)
class Ref:
    """A secret reference, written in the syntax of the client that holds it."""

    name: str
    fmt: str = "{}"


Value = str | Secret | Ref


@dataclass(frozen=True)
class Tool:
    name: str
    mode: str  # read | write | destroy | bare (the server declares no annotations)
    description: str
    open_world: bool = False
    event: tuple[str, str] | None = None  # (AWS service, API call) when not the server's own service


@dataclass(frozen=True)
class Stdio:
    command: str
    args: tuple[Value, ...] = ()
    env: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True)
class Remote:
    url: Value
    headers: tuple[tuple[str, Value], ...] = ()
    oauth: bool = False


@dataclass(frozen=True)
class Server:
    name: str
    launch: Stdio | Remote
    tools: tuple[Tool, ...]
    granted: tuple[str, ...] | None = None  # allowlist, where the client has one; None: every tool
    approved: bool = True  # listed in the system's approved_servers
    service: tuple[str, str] | None = None  # (AWS service, resource) its tools act on: CloudTrail evidence
    added: date | None = None  # configured (and logged) only from this day
    logged: bool = True  # False: the connector writes no audit events at all
    launch_scope: str = "project"  # Claude Code only: project (.mcp.json) | local (~/.claude.json projects)

    def granted_tools(self) -> tuple[str, ...]:
        return self.granted if self.granted is not None else tuple(t.name for t in self.tools)


@dataclass(frozen=True)
class Cred:
    """One credential recipe; `render_credentials` turns it into the vendor's own format."""

    source: str  # spiffe | k8s | vault | oauth | gcp | entra | github | aws | csv
    lifetime_s: int | None = None
    age_days: float = 0.0  # issued / last rotated this many days before as_of
    scopes: tuple[str, ...] = ()
    variant: str = ""  # source-specific flavour: extended, act, client_credentials, admin, ...
    since: date | None = None  # exists only from this day
    until: date | None = None  # evidence gone from this day


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    ns: str  # namespace of its workload identity (SPIFFE path, Kubernetes namespace)
    creds: tuple[Cred, ...] = ()
    shared_sa: str | None = None  # Kubernetes service account shared with another agent

    @property
    def workload_id(self) -> str:
        """The identity its gateway token carries (`act.sub`), i.e. what audit logs name."""
        names = cred_identities(self, self.creds[0]) if self.creds else []
        return names[0] if names else f"spiffe://{TRUST_DOMAIN}/ns/{self.ns}/sa/{self.id}"

    @property
    def aws_role(self) -> str:
        """The IAM role its tools assume in AWS: CloudTrail names it as the principal of target events."""
        return f"arn:aws:iam::{AWS_ACCOUNT}:role/mcp-{self.id}"

    def identities(self) -> list[str]:
        names = [self.id, self.workload_id, self.aws_role]
        for cred in self.creds:
            names += cred_identities(self, cred)
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class Connector:
    agent: Agent
    client: str
    servers: tuple[Server, ...]
    folder: str = ""  # sub-folder under connectors/<system>/ (two agents, two config homes)


@dataclass(frozen=True)
class Audit:
    fmt: str  # toolhive | otlp | jsonrpc_session | jsonrpc_stateless | none
    weight: float = 1.0  # share of the estate's traffic
    linked: bool = True  # the target (AWS) logs every call in CloudTrail
    no_user: float = 0.0  # share of calls that name no delegating user
    decision: bool = True  # calls carry the runtime policy decision
    denied: float = 0.0  # share of calls to tools outside the grant, denied by policy
    start: date | None = None  # logging switched on this day


@dataclass(frozen=True)
class Sink:
    name: str
    append_only: bool
    hash_chained: bool
    retention_days: int


@dataclass(frozen=True)
class SystemSpec:
    id: str
    name: str
    unit: str
    team: str
    owner: str
    environment: str
    data_classes: tuple[str, ...]
    connectors: tuple[Connector, ...]
    audit: Audit
    sinks: tuple[Sink, ...]
    tier: int | None = None
    tier_reason: str | None = None
    tier_approver: str | None = None  # who accepted a tier lower than the derived one


@dataclass(frozen=True)
class Scenario:
    verdict: str  # CLEARED | READ_ONLY | BLOCKED
    tier: int
    fails: tuple[str, ...]  # checks meant to FAIL
    story: str
    insufficient: bool = False  # blocked because evidence is missing (UNKNOWN), not only by failures


@dataclass(frozen=True)
class Change:
    day: date
    system: str
    kind: str  # fixed | new problem | evidence gone | evidence added
    what: str


# -- building blocks ------------------------------------------------------------------------------

def R(name: str, description: str, *, open_world: bool = False, event: tuple[str, str] | None = None) -> Tool:
    return Tool(name, "read", description, open_world, event)


def W(name: str, description: str, *, open_world: bool = False, event: tuple[str, str] | None = None) -> Tool:
    return Tool(name, "write", description, open_world, event)


def D(name: str, description: str, *, event: tuple[str, str] | None = None) -> Tool:
    return Tool(name, "destroy", description, False, event)


def npx(package: str, *args: Value, env: tuple[tuple[str, Value], ...] = ()) -> Stdio:
    return Stdio("npx", ("-y", package, *args), env)


def uvx(package: str, *args: Value, env: tuple[tuple[str, Value], ...] = ()) -> Stdio:
    return Stdio("uvx", (package, *args), env)


def image(name: str, digest_seed: str, *, env: tuple[tuple[str, Value], ...] = ()) -> Stdio:
    digest = hashlib.sha256(digest_seed.encode()).hexdigest()
    passthrough: list[Value] = []
    for key, _ in env:
        passthrough += ["-e", key]
    return Stdio("docker", ("run", "-i", "--rm", *passthrough, f"{name}@sha256:{digest}"), env)


DIGEST_TRAIL = "siem-worm"  # the strong sinks are this CloudTrail trail: its digest files verify its log files
BROKEN_DIGEST_TRAIL = "ops-trail"  # a trail whose digest chain has a gap (one digest file deleted)
DIGEST_BUCKET = "acme-cloudtrail-logs"


def strong_sinks(tier: int) -> tuple[Sink, ...]:
    """A WORM sink with a hash chain, kept comfortably past the tier's retention."""
    return (Sink(DIGEST_TRAIL, True, True, {1: 400, 2: 200, 3: 120, 4: 45}[tier]),)


def spiffe() -> Cred:
    return Cred("spiffe", lifetime_s=3600)


def k8s(lifetime_s: int = 3600, variant: str = "") -> Cred:
    return Cred("k8s", lifetime_s=lifetime_s, variant=variant)


def vault(lifetime_s: int = 3600, *policies: str) -> Cred:
    return Cred("vault", lifetime_s=lifetime_s, scopes=("default", *policies))


def aws_user_arn(agent_id: str) -> str:
    return f"arn:aws:iam::{AWS_ACCOUNT}:user/agents/svc-{agent_id}"


def entra_app_id(agent_id: str) -> str:
    return str(uuid.UUID(hashlib.md5(f"entra:{agent_id}".encode()).hexdigest()))


def gcp_email(agent_id: str) -> str:
    return f"{agent_id}@acme-analytics.iam.gserviceaccount.com"


def cred_identities(agent: Agent, cred: Cred) -> list[str]:
    """Every name a credential source uses for the agent (inventory `identities`), the workload identity first."""
    sa = agent.shared_sa or agent.id
    match cred.source:
        case "spiffe":
            return [f"spiffe://{TRUST_DOMAIN}/ns/{agent.ns}/sa/{agent.id}"]
        case "k8s":
            return [f"system:serviceaccount:{agent.ns}:{sa}"]
        case "vault":
            return [f"system:serviceaccount:{agent.ns}:{agent.id}", f"kubernetes-{agent.ns}-{agent.id}"]
        case "oauth":
            return [f"{agent.id}-client"]
        case "gcp":
            return [gcp_email(agent.id)]
        case "entra":
            return [entra_app_id(agent.id), f"{agent.id}-app"]
        case "github":
            return [f"acme-{agent.id}-bot"]
        case "aws":
            return [aws_user_arn(agent.id), f"svc-{agent.id}"]
        case _:  # the plain CSV names the agent itself
            return []


# -- the estate -----------------------------------------------------------------------------------

def catalogue(as_of: date) -> list[SystemSpec]:
    """Every system of Acme as it stands on `as_of`, in catalogue order (the first N make N systems)."""

    def on(day: date) -> bool:
        return as_of >= day

    github_tools = (
        R("search_repositories", "Search repositories in the acme organisation", open_world=True),
        R("get_file_contents", "Read a file from a repository", open_world=True),
        R("list_pull_requests", "List open pull requests", open_world=True),
    )
    systems = [
        SystemSpec(
            "risk-scoring", "Credit risk scoring", "Finance", "risk-analytics", email("priya.nair"),
            "production", ("financial",),
            (Connector(Agent("risk-agent", "Credit risk scoring agent", "risk-analytics", (spiffe(),)), "codex", (
                Server("risk-warehouse", image("ghcr.io/acme/risk-warehouse-mcp", "risk-warehouse-2.7.0"), (
                    R("query_risk_data", "Run a read-only SQL query on the risk warehouse"),
                    R("list_tables", "List tables in the risk warehouse"),
                    R("describe_table", "Describe the columns of one table"),
                ), service=("athena", "risk-mcp")),
            )),),
            Audit("toolhive", weight=4), strong_sinks(1)),
        SystemSpec(
            "ledger-reconciliation", "General ledger reconciliation", "Finance", "finance-systems",
            email("dana.kim"), "production", ("financial", "production_records"),
            (Connector(Agent("ledger-agent", "Ledger reconciliation agent", "finance-systems", (spiffe(),)), "codex", (
                Server("ledger-db", image("ghcr.io/acme/ledger-mcp", "ledger-1.12.3"), (
                    R("get_balance", "Balance of one ledger account"),
                    R("list_entries", "Journal entries of one account and period"),
                    W("post_adjustment", "Post a reconciliation adjustment to the suspense account"),
                ), service=("rds-data", "ledger-prod")),
            )),),
            Audit("toolhive", weight=4), strong_sinks(1)),
        SystemSpec(
            "billing-api", "Billing and subscriptions API", "Finance", "billing", email("marc.lefevre"),
            "production", ("payment", "customer_pii"),
            (Connector(Agent("billing-agent", "Billing support agent", "billing",
                             (Cred("aws", age_days=20),)), "codex", (
                Server("billing", uvx("acme-billing-mcp==3.4.2"), (
                    R("get_subscription", "One customer's subscription"),
                    R("list_subscriptions", "Subscriptions of one account"),
                    R("get_usage", "Metered usage for the current period"),
                ), service=("dynamodb", "billing-subscriptions")),
            )),),
            Audit("toolhive", weight=3), strong_sinks(1)),
        SystemSpec(
            "payments-gateway", "Card payments gateway", "Finance", "payments", email("olu.adeyemi"),
            "production", ("payment",),
            (Connector(Agent("payments-agent", "Payments operations agent", "payments", (spiffe(),)), "codex", (
                Server("payments", image("ghcr.io/acme/payments-mcp", "payments-5.0.1"), (
                    R("get_payment", "One payment and its status"),
                    R("list_disputes", "Open chargeback disputes"),
                    W("capture_payment", "Capture an authorised payment", event=("lambda", "Invoke")),
                    D("refund_payment", "Refund a captured payment", event=("lambda", "Invoke")),
                ), service=("dynamodb", "payments-ledger")),
            )),),
            Audit("toolhive", weight=3), strong_sinks(1)),
        SystemSpec(
            "order-history", "Order history", "Customer Operations", "commerce", email("tom.becker"),
            "production", ("customer_pii",),
            (Connector(Agent("orders-agent", "Order status agent", "commerce", (k8s(),)), "gemini_cli", (
                Server("orders", uvx("acme-orders-mcp==1.9.0"), (
                    R("get_order", "One order with its lines"),
                    R("list_orders", "A customer's recent orders"),
                    R("track_shipment", "Carrier tracking for one shipment"),
                ), service=("dynamodb", "orders")),
            )),),
            Audit("otlp", weight=8, linked=False), strong_sinks(2)),
        SystemSpec(
            "warehouse-robotics", "Warehouse robot fleet", "Operations", "fulfilment", email("pieter.janssen"),
            "production", ("production_records",),
            (Connector(Agent("fleet-agent", "Fleet monitoring agent", "fulfilment"), "codex", (
                Server("fleet-telemetry", image("ghcr.io/acme/fleet-telemetry-mcp", "fleet-0.8.4"), (
                    R("get_robot_status", "Status of one robot"),
                    R("list_alerts", "Open fleet alerts"),
                ), service=("dynamodb", "fleet-telemetry")),
            )),),
            Audit("toolhive", weight=2), strong_sinks(1)),
        SystemSpec(
            "hr-records", "HR records", "People", "people-systems", email("grace.liu"),
            "production", ("personal",),
            (Connector(Agent("hr-assistant", "HR assistant", "people-systems",
                             (Cred("oauth", lifetime_s=1800, variant="act", scopes=("hris:read",)),)),
                       "claude_desktop", (
                Server("hris", npx("@acme/hris-mcp@3.2.1"), (
                    R("get_employee", "One employee record"),
                    R("list_employees", "Employees of one department"),
                ), service=("dynamodb", "hris-employees")),
                Server("people-slack", npx("@modelcontextprotocol/server-slack@2025.4.25", env=(
                    ("SLACK_BOT_TOKEN", Secret("xoxb", "hr-records")), ("SLACK_TEAM_ID", "T04ACME01"))), (
                    R("list_channels", "Channels the bot can read"),
                    R("get_channel_history", "Recent messages of one channel"),
                ), service=("s3", "acme-people-chat-archive")),
            )),),
            Audit("toolhive", weight=2), strong_sinks(2)),
        SystemSpec(
            "dev-tooling", "Developer tooling", "Engineering", "developer-experience", email("jana.novak"),
            "development", ("internal",),
            (Connector(Agent("devtools-agent", "Developer tooling agent", "developer-experience",
                             (vault(3600, "devtools-read"),)), "cursor", (
                Server("github", npx("@modelcontextprotocol/server-github@2025.4.8", env=(
                    ("GITHUB_PERSONAL_ACCESS_TOKEN", Secret("ghp", "shared")),)), github_tools,
                    service=("s3", "acme-code-mirror")),
                Server("sqlite-dev", uvx("mcp-server-sqlite==0.6.2", "--db-path", "${workspaceFolder}/dev.db"),
                       (R("read_query", "Run a SELECT on the dev database"),
                        R("list_tables", "Tables of the dev database"),
                        R("describe_table", "Columns of one table")), service=("s3", "acme-dev-snapshots")),
            )),),
            Audit("toolhive", weight=2), strong_sinks(3)),
        SystemSpec(
            "release-engineering", "Release engineering", "Engineering", "release", email("sam.okafor"),
            "production", ("internal",),
            (Connector(Agent("release-agent", "Release notes agent", "release",
                             (vault(3600, "release-read"),)), "claude_code", (
                Server("github", npx("@modelcontextprotocol/server-github@2025.4.8", env=(
                    ("GITHUB_PERSONAL_ACCESS_TOKEN", Secret("ghp", "shared")),)), github_tools,
                    service=("s3", "acme-code-mirror")),
                Server("jira", Remote("${JIRA_MCP_URL:-https://jira-mcp.internal.acme.example/mcp}", oauth=True), (
                    R("search_issues", "Search Jira issues with JQL"),
                    R("get_issue", "One Jira issue"),
                ), service=("dynamodb", "jira-cache")),
                Server("changelog", Stdio("node", ("/Users/sam.okafor/src/release-engineering/mcp/changelog.js",)), (
                    R("list_releases", "Tagged releases"),
                    R("get_release_notes", "Notes of one release"),
                ), service=("s3", "acme-release-artifacts"), launch_scope="local"),
            )),),
            Audit("toolhive", weight=2), strong_sinks(3)),
        SystemSpec(
            "benefits-enrolment", "Benefits enrolment", "People", "benefits", email("noah.fischer"),
            "production", ("health",),
            (Connector(Agent("benefits-agent", "Benefits enrolment agent", "benefits", (k8s(),)), "gemini_cli", (
                Server("benefits-db", uvx("acme-benefits-mcp==2.4.1"), (
                    R("lookup_enrolment", "One employee's enrolment"),
                    R("list_plans", "Available benefit plans"),
                    R("get_dependents", "Dependents on one enrolment"),
                ), service=("dynamodb", "benefits-enrolments")),
            )),),
            Audit("otlp", weight=3), strong_sinks(2)),
        SystemSpec(
            "research-notebooks", "Research notebooks", "Data & Analytics", "research", email("chloe.dubois"),
            "sandbox", ("aggregated",),
            (Connector(Agent("notebook-agent", "Notebook assistant", "research",
                             (Cred("csv", lifetime_s=13 * 86400, age_days=6, variant="api_key"),)), "continue", (
                Server("notebooks", uvx("jupyter-mcp==0.11.2", env=(
                    ("GITHUB_TOKEN", Secret("github_pat", "research-notebooks")),)), (
                    R("list_notebooks", "Notebooks in the research workspace"),
                    R("get_notebook", "Cells of one notebook"),
                    W("run_cell", "Execute one notebook cell in the sandbox kernel"),
                ), service=("s3", "acme-research-notebooks")),
                Server("datasets", uvx("acme-datasets-mcp==0.4.0", env=(
                    ("DATASETS_TOKEN", Ref("DATASETS_TOKEN")),)), (
                    R("list_datasets", "Datasets published to the research catalogue"),
                    R("get_dataset_sample", "First rows of one dataset"),
                ), service=("s3", "acme-research-datasets")),
            )),),
            Audit("jsonrpc_stateless", weight=0.6, linked=False, decision=False), strong_sinks(3),
            tier=3, tier_reason="notebooks can pull internal datasets on request"),
        SystemSpec(
            "marketing-content", "Marketing content hub", "Marketing", "content", email("lucas.moreau"),
            "production", ("internal",),
            (Connector(Agent("content-agent", "Content research agent", "content",
                             (vault(3600, "cms-read"),)), "vscode", (
                Server("cms", npx("@acme/cms-mcp@2.3.0", env=(("CMS_API_TOKEN", Ref("CMS_API_TOKEN")),)), (
                    R("list_articles", "Published articles"),
                    R("get_article", "One article"),
                    R("search_assets", "Search the brand asset library"),
                ), service=("s3", "acme-cms-content")),
            )),),
            Audit("toolhive", weight=2), strong_sinks(3)),
        SystemSpec(
            "eng-wiki", "Engineering wiki", "Engineering", "developer-experience", email("mei.tanaka"),
            "production", ("internal",),
            (Connector(Agent("wiki-agent", "Wiki answer agent", "developer-experience",
                             (vault(3600, "wiki-read"),)), "zed", (
                Server("wiki-search", npx("@acme/wiki-mcp@1.8.0"), (
                    R("search_pages", "Full-text search over the wiki"),
                    R("get_page", "One wiki page"),
                    R("list_spaces", "Wiki spaces"),
                ), service=("s3", "acme-wiki-pages")),
            )),),
            Audit("toolhive", weight=3), strong_sinks(3)),
        SystemSpec(
            "public-docs-search", "Public documentation search", "Marketing", "web", email("emma.wilson"),
            "production", ("public",),
            (Connector(Agent("docs-agent", "Docs search agent", "web",
                             (Cred("oauth", lifetime_s=900, variant="client_credentials", scopes=("docs:read",)),)),
                       "codex", (
                Server("docs-index", npx("@acme/docs-index-mcp@4.2.0") if on(SERVER_PINNED)
                       else npx("@acme/docs-index-mcp"), (
                    R("search_docs", "Search the public documentation", open_world=True),
                    R("get_doc", "One documentation page", open_world=True),
                )),
            )),),
            Audit("toolhive", weight=16, linked=False), strong_sinks(4)),
        SystemSpec(
            "market-dashboards", "Market dashboards", "Data & Analytics", "bi-platform", email("raj.patel"),
            "production", ("aggregated",),
            (Connector(Agent("bi-agent", "Dashboard Q&A agent", "bi-platform",
                             (Cred("gcp", lifetime_s=30 * 86400),)), "gemini_cli", (
                Server("bi-dashboards", uvx("acme-bi-mcp==0.9.3"), (
                    R("list_dashboards", "Published dashboards"),
                    R("get_dashboard", "Tiles of one dashboard"),
                    R("query_metric", "Aggregated values of one metric"),
                )),
            )),),
            Audit("otlp", weight=20, linked=False), strong_sinks(4)),
        SystemSpec(
            "service-catalog", "Service catalog", "Engineering", "platform", email("diego.silva"),
            "production", ("internal",),
            (Connector(Agent("catalog-agent", "Service ownership agent", "platform", (spiffe(),)), "codex", (
                Server("service-registry", image("ghcr.io/acme/service-registry-mcp", "registry-3.1.0"), (
                    R("list_services", "Registered services"),
                    R("get_service", "One service with its dependencies"),
                    R("find_owner", "The owning team of a service"),
                ), service=("dynamodb", "service-registry")),
            )),),
            Audit("toolhive", weight=3, start=LOGGING_ON), strong_sinks(3)),
        SystemSpec(
            "onboarding-portal", "Employee onboarding portal", "People", "people-systems", email("amara.obi"),
            "staging", ("personal",),
            (Connector(Agent("onboarding-agent", "Onboarding checklist agent", "people-systems", (
                k8s(), Cred("oauth", lifetime_s=900, variant="act", scopes=("onboarding:read", "onboarding:tasks")))),
                "zed", (
                Server("onboarding", npx("@acme/onboarding-mcp@1.3.2"), (
                    R("get_new_hire", "One new hire's onboarding record"),
                    R("list_tasks", "Open onboarding tasks"),
                    W("update_task", "Mark an onboarding task done"),
                ), service=("dynamodb", "onboarding-tasks")),
            )),),
            Audit("otlp", weight=2), strong_sinks(2)),
        SystemSpec(
            "crm-accounts", "CRM accounts", "Customer Operations", "crm", email("aisha.khan"),
            "production", ("customer_pii",),
            (Connector(Agent("crm-agent", "Account manager assistant", "crm", (spiffe(),)), "gemini_cli", (
                Server("crm", uvx("acme-crm-mcp==4.0.3", env=(
                    ("CRM_API_TOKEN", Ref("CRM_API_TOKEN")),
                    ("OPENAI_API_KEY", Ref("OPENAI_API_KEY") if on(SECRET_TO_REFERENCE)
                     else Secret("sk", "crm-accounts")))), (
                    R("lookup_customer", "One customer account"),
                    R("list_accounts", "Accounts of one account manager"),
                    W("send_email", "Send an email to a customer contact", open_world=True, event=("ses", "SendEmail")),
                ), service=("dynamodb", "crm-accounts")),
            )),),
            Audit("toolhive", weight=4), strong_sinks(1)),
        SystemSpec(
            "inventory-planning", "Inventory planning", "Operations", "supply-chain", email("fatima.zahra"),
            "production", ("production_records",),
            (Connector(Agent("planning-agent", "Replenishment planning agent", "supply-chain", (spiffe(),)), "codex", (
                Server("inventory", image("ghcr.io/acme/inventory-mcp", "inventory-2.2.0"), (
                    R("get_stock_level", "Stock level of one SKU"),
                    R("list_purchase_orders", "Open purchase orders"),
                    W("create_purchase_order", "Draft a purchase order for approval"),
                    W("update_reorder_point", "Change the reorder point of one SKU"),
                ), service=("dynamodb", "inventory")),
            )),),
            Audit("toolhive", weight=3), strong_sinks(1)),
        SystemSpec(
            "ci-pipeline", "CI pipeline", "Engineering", "build-infra", email("omar.haddad"),
            "production", ("internal",),
            (Connector(Agent("ci-build-agent", "Build triage agent", "ci", (k8s(),), shared_sa="shared-runner"),
                       "codex", (
                Server("ci-runner", image("ghcr.io/acme/ci-runner-mcp", "ci-runner-1.0.7"), (
                    R("list_pipelines", "Recent pipelines"),
                    R("get_build_log", "Log of one build"),
                ), service=("s3", "acme-ci-logs")),
            ), folder="build-agent"),
             Connector(Agent("ci-test-agent", "Flaky test agent", "ci", (k8s(),), shared_sa="shared-runner"),
                       "codex", (
                Server("test-reports", image("ghcr.io/acme/test-reports-mcp", "test-reports-0.5.1"), (
                    R("list_test_runs", "Recent test runs"),
                    R("get_test_report", "Results of one test run"),
                ), service=("s3", "acme-test-reports")),
            ), folder="test-agent")),
            Audit("toolhive", weight=3), strong_sinks(3)),
        SystemSpec(
            "vendor-portal", "Vendor portal", "Operations", "procurement", email("kenji.mori"),
            "production", ("internal",),
            (Connector(Agent("vendor-agent", "Vendor management agent", "procurement",
                             (Cred("aws", age_days=140),)), "gemini_cli", (
                Server("vendor-api", uvx("acme-vendor-mcp==1.1.0", env=(
                    ("VENDOR_API_KEY", Secret("vendor", "vendor-portal")),)), (
                    R("list_vendors", "Approved vendors"),
                    R("get_vendor", "One vendor"),
                    R("get_contract_terms", "Terms of one vendor contract"),
                ), service=("dynamodb", "vendors")),
            )),),
            Audit("toolhive", weight=2), strong_sinks(3)),
        SystemSpec(
            "mobile-backend", "Mobile app backend", "Engineering", "mobile", email("diego.silva"),
            "production", ("customer_pii",),
            (Connector(Agent("mobile-agent", "Mobile release agent", "mobile", (
                k8s(), Cred("github", variant="no_expiry", since=PAT_CREATED))), "gemini_cli", (
                Server("app-config", uvx("acme-app-config-mcp==2.0.4"), (
                    R("get_feature_flags", "Feature flags of one app version"),
                    R("list_releases", "App store releases"),
                    R("get_crash_report", "One crash report"),
                ), service=("dynamodb", "app-config")),
            )),),
            Audit("otlp", weight=3), strong_sinks(2)),
        SystemSpec(
            "ops-monitoring", "Operations monitoring", "Security & IT", "sre", email("victor.ivanov"),
            "production", ("internal",),
            (Connector(Agent("sre-agent", "Incident triage agent", "sre", (vault(3600, "sre-read"),)), "windsurf", (
                Server("sentry", Remote("https://mcp.sentry.dev/mcp", (
                    ("Authorization", Secret("bearer", "ops-monitoring", "Bearer {}")),)), (
                    R("list_issues", "Unresolved Sentry issues", open_world=True),
                    R("get_issue_details", "Stack trace and tags of one issue", open_world=True),
                ), service=("s3", "acme-sentry-export")),
                Server("statuspage", Remote(Secret("url_token", "ops-monitoring",
                                                   "https://status-mcp.acme.example/sse?token={}")), (
                    R("list_incidents", "Incidents on the status page"),
                    R("get_component_status", "Status of one component"),
                ), service=("dynamodb", "statuspage")),
            )),),
            Audit("toolhive", weight=3), strong_sinks(3)),
        SystemSpec(
            "sales-ops", "Sales operations", "Sales", "revenue-ops", email("carla.romano"),
            "production", ("confidential",),
            (Connector(Agent("sales-agent", "Pipeline review agent", "revenue-ops",
                             (Cred("oauth", lifetime_s=3600, variant="act", scopes=("crm:read", "forecast:read")),)),
                       "cline", (
                Server("salesforce", npx("@acme/sfdc-mcp@1.4.2", env=(
                    ("SF_INSTANCE_URL", "https://acme.my.salesforce.com"),
                    ("OPENAI_API_KEY", Secret("sk", "sales-ops")))), (
                    R("query_opportunities", "Opportunities matching a filter"),
                    R("get_account", "One Salesforce account"),
                ), service=("dynamodb", "sfdc-cache")),
                Server("forecast", Remote("https://forecast-mcp.acme.example/mcp", (
                    ("Authorization", Secret("jwt", "sales-ops", "Bearer {}")),)), (
                    R("get_forecast", "Quarterly forecast of one region"),
                ), service=("s3", "acme-forecasts")),
                *((Server("lead-enrich", npx("@leadgen/mcp-server@0.3.0"), (
                    R("enrich_lead", "Look up public company data for a lead", open_world=True),
                ), approved=False, added=SHADOW_SERVER_ADDED, service=("s3", "acme-lead-enrichment")),)
                  if on(SHADOW_SERVER_ADDED) else ()),
            )),),
            Audit("toolhive", weight=2), strong_sinks(2)),
        SystemSpec(
            "partner-api", "Partner API", "Sales", "partnerships", email("james.okoro"),
            "production", ("confidential",),
            (Connector(Agent("partner-agent", "Partner usage agent", "partnerships", (
                Cred("entra", lifetime_s=730 * 86400, age_days=200, until=ENTRA_EXPORT_GONE),)), "gemini_cli", (
                Server("partner-gateway", Remote("https://partners-mcp.acme.example/mcp", oauth=True), (
                    R("list_partners", "Active partners"),
                    R("get_partner_usage", "API usage of one partner"),
                ), service=("dynamodb", "partner-usage")),
            )),),
            Audit("otlp", weight=2), strong_sinks(2)),
        SystemSpec(
            "customer-360", "Customer 360", "Data & Analytics", "customer-data", email("hannah.berg"),
            "production", ("customer_pii",),
            (Connector(Agent("c360-agent", "Customer insight agent", "customer-data", (k8s(),)), "gemini_cli", (
                Server("customer-profile", uvx("acme-c360-mcp==3.3.0"), (
                    R("get_profile", "Unified profile of one customer"),
                    R("search_customers", "Customers matching a filter"),
                    R("list_segments", "Marketing segments"),
                    W("export_segment", "Export a segment to the marketing platform", open_world=True),
                ), granted=("get_profile", "search_customers", "list_segments"),
                    service=("dynamodb", "customer-profiles")),
            )),),
            Audit("toolhive", weight=3, denied=0.02), strong_sinks(2)),
        SystemSpec(
            "finance-reporting", "Financial reporting", "Finance", "fp-and-a", email("ines.garcia"),
            "production", ("confidential",),
            (Connector(Agent("fpa-agent", "Management reporting agent", "fp-and-a", (k8s(),)), "gemini_cli", (
                Server("fpa-cube", uvx("acme-fpa-mcp==1.6.0"), (
                    R("get_report", "One management report"),
                    R("list_reports", "Published reports"),
                    R("query_cube", "Aggregates from the planning cube"),
                ), service=("athena", "fpa")),
            )),),
            Audit("otlp", weight=3, decision=False), strong_sinks(2)),
        SystemSpec(
            "devops-runbooks", "DevOps runbooks", "Security & IT", "sre", email("zoe.clark"),
            "production", ("internal",),
            (Connector(Agent("runbook-agent", "Runbook automation agent", "sre", (spiffe(),)), "codex", (
                Server("runbooks", image("ghcr.io/acme/runbooks-mcp", "runbooks-1.4.0"), (
                    R("search_runbooks", "Search runbooks"),
                    R("get_runbook", "One runbook"),
                    R("read_secret", "Read a secret the runbook step needs",
                      event=("secretsmanager", "GetSecretValue")),
                ), service=("s3", "acme-runbooks")),
            )),),
            Audit("toolhive", weight=2), (Sink(BROKEN_DIGEST_TRAIL, True, True, 400),)),
        SystemSpec(
            "oss-insights", "Open-source insights", "Engineering", "open-source", email("mei.tanaka"),
            "production", ("internal", "public"),
            (Connector(Agent("oss-agent", "Open-source triage agent", "open-source", (
                Cred("github", lifetime_s=7 * 86400, age_days=3, variant="admin"),)), "codex", (
                Server("github-oss", npx("@modelcontextprotocol/server-github@2025.4.8", env=(
                    ("GITHUB_PERSONAL_ACCESS_TOKEN", Ref("GITHUB_OSS_TOKEN")),)), (
                    R("search_repositories", "Search public repositories", open_world=True),
                    R("list_issues", "Issues of one repository", open_world=True),
                    R("get_pull_request", "One pull request", open_world=True),
                )),
            )),),
            Audit("toolhive", weight=5, linked=False), strong_sinks(4),
            tier=4, tier_reason="reaches only public repositories; 'internal' covers repository metadata",
            tier_approver=email("priya.raman")),
        SystemSpec(
            "docs-portal", "Developer docs portal", "Marketing", "web", email("emma.wilson"),
            "production", ("public",),
            (Connector(Agent("portal-agent", "Docs portal agent", "web",
                             (Cred("oauth", lifetime_s=3600, variant="client_credentials", scopes=("portal:read",)),)),
                       "gemini_cli", (
                Server("docs-fetch", npx("@acme/docs-portal-mcp"), (
                    R("fetch_page", "Fetch one page of the developer portal", open_world=True),
                    R("search_site", "Search the developer portal", open_world=True),
                )),
            )),),
            Audit("otlp", weight=10, linked=False), strong_sinks(4)),
        SystemSpec(
            "it-helpdesk", "IT helpdesk", "Security & IT", "it-service", email("ben.adler"),
            "production", ("internal",),
            (Connector(Agent("helpdesk-agent", "IT helpdesk agent", "it-service", (vault(3600, "itsm-read"),)),
                       "codex", (
                Server("jira-itsm", Remote("https://itsm-mcp.acme.example/mcp", oauth=True), (
                    R("search_tickets", "Search service desk tickets"),
                    R("get_ticket", "One ticket"),
                ), service=("dynamodb", "itsm-tickets")),
                Server("confluence-kb", npx("@acme/confluence-mcp@2.0.1"), (
                    R("search_articles", "Search knowledge base articles"),
                    R("get_article", "One knowledge base article"),
                ), logged=False),
            )),),
            Audit("toolhive", weight=3), strong_sinks(3)),
        SystemSpec(
            "build-insights", "Build insights", "Engineering", "build-infra", email("omar.haddad"),
            "production", ("internal",),
            (Connector(Agent("build-agent", "Build statistics agent", "build-infra", (vault(3600, "ci-read"),)),
                       "codex", (
                Server("build-metrics", image("ghcr.io/acme/build-metrics-mcp", "build-metrics-1.2.0"), (
                    R("get_build_stats", "Build durations and failure rates"),
                    R("list_flaky_tests", "Tests that failed and passed on retry"),
                ), service=("s3", "acme-build-metrics")),
            )),),
            Audit("toolhive", weight=3, no_user=0.15), strong_sinks(3)),
        SystemSpec(
            "people-directory", "People directory", "People", "people-systems", email("grace.liu"),
            "production", ("internal",),
            (Connector(Agent("directory-agent", "Who-is-who agent", "people-systems", (vault(3600, "directory-read"),)),
                       "codex", (
                Server("directory", image("ghcr.io/acme/directory-mcp", "directory-1.0.2"), (
                    R("find_person", "Find a colleague by name or skill"),
                    R("get_org_chart", "Reporting line of one person"),
                ), service=("dynamodb", "people-directory")),
            )),),
            Audit("toolhive", weight=3), (Sink("gateway-local", False, False, 400),),
            tier=2, tier_reason="the directory includes home addresses and emergency contacts"),
        SystemSpec(
            "wellness-programs", "Wellness programs", "People", "benefits", email("noah.fischer"),
            "production", ("health",),
            (Connector(Agent("wellness-agent", "Wellness programme agent", "benefits", (k8s(),)), "gemini_cli", (
                Server("wellness", uvx("acme-wellness-mcp==0.7.1"), (
                    R("list_programs", "Wellness programmes"),
                    R("get_participation", "One employee's participation"),
                ), service=("dynamodb", "wellness")),
            )),),
            Audit("otlp", weight=2), (Sink("siem-hot", True, True, 90),)),
        SystemSpec(
            "treasury-payments", "Treasury payments", "Finance", "treasury", email("priya.nair"),
            "production", ("financial",),
            (Connector(Agent("treasury-agent", "Cash positioning agent", "treasury", (spiffe(),)), "codex", (
                Server("treasury", image("ghcr.io/acme/treasury-mcp", "treasury-0.9.0"), (
                    R("get_cash_position", "Cash position per bank account"),
                    R("list_bank_accounts", "Bank accounts"),
                )),
            )),),
            Audit("none"), strong_sinks(1)),
        SystemSpec(
            "legacy-erp", "Legacy ERP", "Operations", "erp", email("pieter.janssen"),
            "production", ("financial", "production_records"),
            (Connector(Agent("erp-agent", "ERP sync agent", "erp", (
                Cred("aws", age_days=400), k8s(variant="extended"))), "claude_code", (
                Server("erp-db", uvx("postgres-mcp", "--access-mode=unrestricted", env=(
                    ("DATABASE_URI", Secret("pg", "legacy-erp",
                                            "postgresql://erp_app:{}@erp-db.internal.acme.example:5432/erp")),)), (
                    R("list_schemas", "Schemas of the ERP database"),
                    Tool("execute_sql", "bare", "Execute any SQL statement"),
                ), launch_scope="local"),
                Server("erp-files", npx("@acme/erp-files-mcp", env=(
                    ("AWS_ACCESS_KEY_ID", Secret("akia", "legacy-erp")),
                    ("AWS_SECRET_ACCESS_KEY", Secret("aws_secret", "legacy-erp")),
                    ("AWS_REGION", AWS_REGION))), (
                    R("list_exports", "ERP export files"),
                    R("download_export", "One export file"),
                ), launch_scope="local"),
            )),),
            Audit("jsonrpc_session", weight=0.8, linked=False, decision=False),
            (Sink("workstation-logs", False, False, 14),)),
    ]
    return systems


SCENARIOS: dict[str, Scenario] = {
    "risk-scoring": Scenario("CLEARED", 1, (), "SPIFFE identity, read-only allowlisted tools in a pinned image, "
                             "every call carries agent, user and decision and links to CloudTrail"),
    "ledger-reconciliation": Scenario("READ_ONLY", 1, ("SC-02",), "clean identity and audit, but the agent may "
                                      "post adjustments: cleared for read-only use"),
    "billing-api": Scenario("BLOCKED", 1, ("ID-02", "ID-03"), "agent signs in with a static IAM access key "
                            "(never expires) at tier 1"),
    "payments-gateway": Scenario("BLOCKED", 1, ("SC-02", "SC-03"), "capture and refund tools without a valid "
                                 "exception (the exception expired on 2026-10-31)"),
    "order-history": Scenario("BLOCKED", 2, ("AU-04",), "no target-system log: calls cannot be linked to what the "
                              "order store did"),
    "warehouse-robotics": Scenario("BLOCKED", 1, (), "no credential inventory names the fleet agent: identity "
                                   "cannot be judged", insufficient=True),
    "hr-records": Scenario("BLOCKED", 2, ("ID-04", "SC-01"), "Claude Desktop config holds a literal Slack bot "
                           "token; Desktop has no tool allowlist"),
    "dev-tooling": Scenario("BLOCKED", 3, ("ID-01", "ID-04", "SC-01"), "a literal GitHub PAT in the Cursor config, "
                            "the same token as release-engineering's"),
    "release-engineering": Scenario("BLOCKED", 3, ("ID-01", "ID-04", "SC-01"), "the same literal GitHub PAT as "
                                    "dev-tooling, in a committed .mcp.json"),
    "benefits-enrolment": Scenario("CLEARED", 2, (), "Kubernetes projected token (1 h), OTLP spans with user and "
                                   "policy decision, CloudTrail linked by source identity"),
    "research-notebooks": Scenario("BLOCKED", 3, ("ID-04", "SC-01", "SC-08", "AU-02", "AU-03", "AU-04"),
                                   "Continue config with a literal fine-grained PAT; only raw JSON-RPC captures "
                                   "(2026-07-28 style): no workload identity (clientInfo is self-reported), no "
                                   "user, no decision, no target log"),
    "marketing-content": Scenario("BLOCKED", 3, ("SC-01",), "VS Code has no tool allowlist and the inventory "
                                  "approves the server without naming tools"),
    "eng-wiki": Scenario("CLEARED", 3, (), "Vault token (1 h) via Kubernetes auth, Zed profile allowlist"),
    "public-docs-search": Scenario("CLEARED", 4, (), "15-minute client-credentials tokens; the server was pinned "
                                   "on 2026-11-17"),
    "market-dashboards": Scenario("CLEARED", 4, (), "GCP key with a 30-day expiry since the rotation on "
                                  "2026-11-01"),
    "service-catalog": Scenario("CLEARED", 3, (), "SPIFFE identity; gateway logging switched on 2026-10-20"),
    "onboarding-portal": Scenario("READ_ONLY", 2, ("SC-02",), "staging system whose agent can update onboarding "
                                  "tasks: cleared read-only"),
    "crm-accounts": Scenario("READ_ONLY", 2, ("SC-02", "SC-05"), "reads customer data and can send email "
                             "(a dangerous chain, relieved: without the write tool send_email no chain is left; "
                             "tier 2: an allowlisted, non-destructive write in production does not raise the "
                             "tier); the literal OpenAI key became a reference on 2026-10-12"),
    "inventory-planning": Scenario("READ_ONLY", 1, ("SC-02",), "write tools covered by a valid exception: "
                                   "CLEARED after accepted risk"),
    "ci-pipeline": Scenario("BLOCKED", 3, ("ID-01",), "two agents run under one Kubernetes service account"),
    "vendor-portal": Scenario("BLOCKED", 3, ("ID-03", "ID-04", "ID-06"), "static IAM key last rotated 140 days "
                              "ago; a literal vendor API key in the Gemini config"),
    "mobile-backend": Scenario("BLOCKED", 2, ("ID-02", "ID-03"), "a never-expiring GitHub PAT issued to the agent "
                               "on 2026-11-16 (a new problem)"),
    "ops-monitoring": Scenario("BLOCKED", 3, ("ID-04", "ID-07", "SC-01"), "Windsurf config with a literal bearer "
                               "header and a token in the URL"),
    "sales-ops": Scenario("BLOCKED", 2, ("ID-04", "ID-07", "SC-01", "SC-05", "SC-10"), "Cline config with a literal "
                          "OpenAI key and JWT bearer header; a shadow server added on 2026-11-03; the read-only, "
                          "open-world enrich_lead is a sink beside sensitive reads (not relieved)"),
    "partner-api": Scenario("BLOCKED", 2, (), "the Entra credential export stopped arriving on 2026-11-15",
                            insufficient=True),
    "customer-360": Scenario("BLOCKED", 2, ("SC-07",), "calls to a tool outside the grant, denied by policy"),
    "finance-reporting": Scenario("BLOCKED", 2, ("SC-08",), "OTLP spans carry no policy decision"),
    "devops-runbooks": Scenario("BLOCKED", 1, ("SC-03", "AU-05"), "a read_secret tool reaches the secrets store "
                                "(tier raised to 1 by that reach); a digest file is missing from its CloudTrail "
                                "digest chain, so its tamper evidence is contradicted"),
    "oss-insights": Scenario("BLOCKED", 4, ("SC-04",), "fine-grained PAT with administration:write on all "
                             "repositories; its tier is lowered from the derived 3 to 4 with an approver, which "
                             "every report lists as a policy deviation"),
    "docs-portal": Scenario("BLOCKED", 4, ("SC-09",), "server launched with `npx -y` and no version"),
    "it-helpdesk": Scenario("BLOCKED", 3, ("AU-01", "SC-06"), "the knowledge-base connector writes no audit "
                            "events (so its tools also show as unused)"),
    "build-insights": Scenario("BLOCKED", 3, ("AU-03",), "15 % of calls (scheduled jobs) name no user or "
                               "workflow"),
    "people-directory": Scenario("BLOCKED", 2, ("AU-05",), "audit sink is neither append-only nor hash-chained"),
    "wellness-programs": Scenario("BLOCKED", 2, ("AU-06",), "audit sink keeps 90 days; tier 2 needs 180"),
    "treasury-payments": Scenario("BLOCKED", 1, (), "no audit logs at all", insufficient=True),
    "legacy-erp": Scenario("BLOCKED", 1, ("ID-02", "ID-03", "ID-04", "SC-01", "SC-02", "SC-05", "SC-08",
                                          "SC-09", "AU-02", "AU-03", "AU-04", "AU-05", "AU-06"),
                           "everything at once: static keys, literal AWS keys and a database password in "
                           "~/.claude.json, unpinned servers, an unannotated (so open-world) exec tool, only raw "
                           "JSON-RPC captures (so no "
                           "recorded use shows whether its Kubernetes token ended with the task)", insufficient=True),
}

TIMELINE: tuple[Change, ...] = (
    Change(SECRET_TO_REFERENCE, "crm-accounts", "fixed", "literal OpenAI key in the Gemini config replaced by "
           "$OPENAI_API_KEY (ID-04 resolved)"),
    Change(LOGGING_ON, "service-catalog", "evidence added", "gateway audit logging switched on (AU-01 and "
           "insufficient evidence resolved)"),
    Change(GCP_KEY_ROTATED, "market-dashboards", "fixed", "never-expiring GCP key replaced by a key with a "
           "30-day expiry (ID-03, ID-06 resolved)"),
    Change(SHADOW_SERVER_ADDED, "sales-ops", "new problem", "unapproved lead-enrich server added to the Cline "
           "config (SC-10)"),
    Change(SERVER_PINNED, "public-docs-search", "fixed", "docs-index pinned to @acme/docs-index-mcp@4.2.0 "
           "(SC-09 resolved)"),
    Change(ENTRA_EXPORT_GONE, "partner-api", "evidence gone", "Entra credential export no longer delivered: "
           "its ID-02/ID-03 findings become incomparable, the system insufficient evidence"),
    Change(PAT_CREATED, "mobile-backend", "new problem", "never-expiring GitHub PAT issued to the agent "
           "(ID-02, ID-03)"),
)


# -- the estate at a size -------------------------------------------------------------------------

CLONE_SUFFIXES = ("us", "apac", "latam", "mea", "nordics", "dach", "iberia", "benelux")


def _clone(spec: SystemSpec, suffix: str) -> SystemSpec:
    """The same system run by another region: new ids everywhere, its own planted secrets."""

    def value(v: Value) -> Value:
        return replace(v, key=f"{v.key}-{suffix}") if isinstance(v, Secret) else v

    def launch(item: Stdio | Remote) -> Stdio | Remote:
        if isinstance(item, Stdio):
            return replace(item, args=tuple(value(a) for a in item.args),
                           env=tuple((k, value(v)) for k, v in item.env))
        return replace(item, url=value(item.url), headers=tuple((k, value(v)) for k, v in item.headers))

    def agent(a: Agent) -> Agent:
        return replace(a, id=f"{a.id}-{suffix}", shared_sa=f"{a.shared_sa}-{suffix}" if a.shared_sa else None)

    connectors = tuple(
        replace(c, agent=agent(c.agent), servers=tuple(
            replace(s, name=f"{s.name}-{suffix}", launch=launch(s.launch)) for s in c.servers))
        for c in spec.connectors)
    return replace(spec, id=f"{spec.id}-{suffix}", name=f"{spec.name} ({suffix.upper()})", connectors=connectors)


def estate(systems: int = DEFAULT_SYSTEMS, as_of: date = DEFAULT_AS_OF) -> list[SystemSpec]:
    """The first `systems` systems; past the catalogue, regional clones of it."""
    if systems < 1:
        raise ValueError("an estate needs at least one system")
    base = catalogue(as_of)
    specs = base[:systems]
    for index in range(len(base), systems):
        round_, position = divmod(index, len(base))
        suffix = CLONE_SUFFIXES[round_ - 1] if round_ <= len(CLONE_SUFFIXES) else f"r{round_}"
        specs.append(_clone(base[position], suffix))
    return specs


def scenario_of(system_id: str) -> Scenario:
    """The intended outcome of a system (a regional clone shares its original's)."""
    base = system_id
    while base not in SCENARIOS and "-" in base:
        base = base.rsplit("-", 1)[0]
    return SCENARIOS[base]


# -- planted secrets ------------------------------------------------------------------------------

_ALNUM = string.ascii_letters + string.digits
_UPPER = string.ascii_uppercase + string.digits


def _b64url(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def secret_value(seed: int, kind: str, key: str) -> str:
    """A fake secret in the real shape of its kind; the same (seed, kind, key) gives the same string."""
    rng = random.Random(f"{seed}:secret:{kind}:{key}")

    def pick(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    match kind:
        case "ghp":
            return "ghp_FAKE" + pick(_ALNUM, 32)
        case "github_pat":
            return "github_pat_11FAKE" + pick(_UPPER, 18) + "_" + pick(_ALNUM, 59)
        case "sk":
            return "sk-proj-FAKE" + pick(_ALNUM, 40)
        case "xoxb":
            return f"xoxb-{pick(string.digits, 12)}-{pick(string.digits, 13)}-FAKE{pick(_ALNUM, 20)}"
        case "akia":
            return "AKIAFAKE" + pick(_UPPER, 12)
        case "aws_secret":
            return "FAKE" + pick(_ALNUM + "+/", 36)
        case "jwt":
            header = _b64url({"alg": "HS256", "typ": "JWT"})
            payload = _b64url({"iss": "https://forecast.acme.example", "sub": f"{key}-sync", "fake": True,
                               "iat": 1790000000 + rng.randrange(10**6)})
            return f"{header}.{payload}.{pick(_ALNUM + '-_', 43)}"
        case "bearer":
            return "sntrys_FAKE" + pick(_ALNUM, 40)
        case "url_token":
            return pick("0123456789abcdef", 32)
        case "pg":
            return "Erp-FAKE-" + pick(_ALNUM, 12)
        case "vendor":
            return "vk_live_FAKE" + pick(_ALNUM, 28)
    raise ValueError(f"unknown secret kind {kind}")


def _values(spec: SystemSpec) -> Iterable[Value]:
    for connector in spec.connectors:
        for server in connector.servers:
            launch = server.launch
            if isinstance(launch, Stdio):
                yield from launch.args
                yield from (v for _, v in launch.env)
            else:
                yield launch.url
                yield from (v for _, v in launch.headers)


def planted_secrets(seed: int = DEFAULT_SEED, *, systems: int = DEFAULT_SYSTEMS,
                    as_of: date = DEFAULT_AS_OF) -> list[str]:
    """Every literal secret the generator plants in connector configs (sorted, each once).

    The list is computed, never written: a file of them would put every secret in the repository twice.
    """
    found = {secret_value(seed, v.kind, v.key) for spec in estate(systems, as_of) for v in _values(spec)
             if isinstance(v, Secret)}
    return sorted(found)


# -- writing files --------------------------------------------------------------------------------

def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def _write_gz(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as handle:  # no timestamp, no name: same bytes
        handle.write(text.encode("utf-8"))
    path.write_bytes(buffer.getvalue())


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


# -- client configs -------------------------------------------------------------------------------

ALLOWLIST_CLIENTS = {"codex", "gemini_cli", "zed"}

CLIENT_FILES = {
    "claude_desktop": "claude_desktop_config.json",
    "claude_code": "repo/.mcp.json",
    "cursor": ".cursor/mcp.json",
    "vscode": ".vscode/mcp.json",
    "windsurf": ".codeium/windsurf/mcp_config.json",
    "cline": "Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
    "continue": ".continue/config.yaml",
    "zed": ".config/zed/settings.json",
    "gemini_cli": ".gemini/settings.json",
    "codex": ".codex/config.toml",
}
CLAUDE_USER_FILE = "home/.claude.json"
CLIENT_PRODUCTS = {  # what each client calls itself (user agent, JSON-RPC clientInfo)
    "claude_desktop": ("claude-ai", "0.14.10"), "claude_code": ("claude-code", "2.1.4"),
    "cursor": ("cursor-vscode", "1.6.2"), "vscode": ("Visual Studio Code", "1.105.0"),
    "windsurf": ("windsurf", "1.12.3"), "cline": ("Cline", "3.32.1"), "continue": ("continue", "1.2.9"),
    "zed": ("Zed", "0.208.4"), "gemini_cli": ("gemini-cli-mcp-client", "0.9.0"),
    "codex": ("codex-mcp-client", "0.58.0"),
}


class Renderer:
    """Writes values in one client's syntax; collects what the file needs besides servers."""

    def __init__(self, client: str, seed: int) -> None:
        self.client = client
        self.seed = seed
        self.inputs: list[dict[str, Any]] = []

    def value(self, v: Value) -> str:
        if isinstance(v, str):
            return v
        if isinstance(v, Secret):
            return v.fmt.format(secret_value(self.seed, v.kind, v.key))
        match self.client:
            case "vscode":
                input_id = v.name.lower().replace("_", "-")
                if not any(i["id"] == input_id for i in self.inputs):
                    self.inputs.append({"type": "promptString", "id": input_id,
                                        "description": f"{v.name} (stored in VS Code secret storage)",
                                        "password": True})
                ref = f"${{input:{input_id}}}"
            case "cursor" | "windsurf":
                ref = f"${{env:{v.name}}}"
            case "claude_code":
                ref = f"${{{v.name}}}"
            case "continue":
                ref = f"${{{{ secrets.{v.name} }}}}"
            case "gemini_cli":
                ref = f"${v.name}"
            case _:
                raise ValueError(f"{self.client} expands no secret references")
        return v.fmt.format(ref)

    def env(self, env: tuple[tuple[str, Value], ...]) -> dict[str, str]:
        return {k: self.value(v) for k, v in env}

    def stdio(self, launch: Stdio) -> dict[str, Any]:
        entry: dict[str, Any] = {"command": launch.command, "args": [self.value(a) for a in launch.args]}
        if launch.env:
            entry["env"] = self.env(launch.env)
        return entry

    def remote(self, launch: Remote, url_key: str = "url") -> dict[str, Any]:
        entry: dict[str, Any] = {url_key: self.value(launch.url)}
        if launch.headers:
            entry["headers"] = {k: self.value(v) for k, v in launch.headers}
        return entry


def _mcp_servers(renderer: Renderer, servers: Sequence[Server]) -> dict[str, Any]:
    """The common `mcpServers` shape (Claude Desktop, Cursor, Windsurf, Claude Code)."""
    result = {}
    for server in servers:
        launch = server.launch
        if isinstance(launch, Stdio):
            entry = renderer.stdio(launch)
            if renderer.client == "claude_code":
                entry = {"type": "stdio", **entry}
            if renderer.client == "cursor" and not launch.env:
                entry["envFile"] = "${workspaceFolder}/.env.mcp"
        elif renderer.client == "windsurf":
            entry = renderer.remote(launch, "serverUrl")
        else:
            entry = {"type": "http", **renderer.remote(launch)}
            if launch.oauth:
                entry["oauth"] = {"clientId": f"mcp-{server.name}", "callbackPort": 8765}
        result[server.name] = entry
    return result


def _jsonc(header: str, data: Any) -> str:
    """JSON with a leading comment block, the way people keep VS Code and Zed settings."""
    comment = "".join(f"// {line}\n" for line in header.splitlines())
    return comment + _json(data)


def render_config(connector: Connector, spec: SystemSpec, seed: int) -> dict[str, str]:
    """{relative path under the connector's folder: file text} for one client config."""
    client = connector.client
    renderer = Renderer(client, seed)
    servers = connector.servers
    owner = spec.owner.split("@")[0]
    match client:
        case "claude_desktop":
            return {CLIENT_FILES[client]: _json({"globalShortcut": "Ctrl+Space",
                                                 "mcpServers": _mcp_servers(renderer, servers)})}
        case "cursor" | "windsurf":
            return {CLIENT_FILES[client]: _json({"mcpServers": _mcp_servers(renderer, servers)})}
        case "claude_code":
            project = [s for s in servers if s.launch_scope == "project"]
            local = [s for s in servers if s.launch_scope == "local"]
            files = {}
            if project:
                files[CLIENT_FILES[client]] = _json({"mcpServers": _mcp_servers(renderer, project)})
            repo = f"/Users/{owner}/src/{spec.id}"
            files[CLAUDE_USER_FILE] = _json({
                "numStartups": 214, "theme": "dark", "autoUpdates": True, "mcpServers": {},
                "projects": {repo: {
                    "allowedTools": [], "mcpServers": _mcp_servers(renderer, local),
                    "enabledMcpjsonServers": [s.name for s in project], "disabledMcpjsonServers": [],
                    "hasTrustDialogAccepted": True, "projectOnboardingSeenCount": 3}}})
            return files
        case "vscode":
            body = {}
            for server in servers:
                launch = server.launch
                body[server.name] = ({"type": "stdio", **renderer.stdio(launch)} if isinstance(launch, Stdio)
                                     else {"type": "http", **renderer.remote(launch)})
            return {CLIENT_FILES[client]: _jsonc(f"MCP servers for the {spec.name} workspace.\n"
                                                 "Secrets are prompted once and kept in VS Code secret storage.",
                                                 {"inputs": renderer.inputs, "servers": body})}
        case "cline":
            body = {}
            for server in servers:
                launch = server.launch
                reads = [t.name for t in server.tools if t.mode == "read"]
                entry = (renderer.stdio(launch) if isinstance(launch, Stdio)
                         else {"type": "streamableHttp", **renderer.remote(launch)})
                body[server.name] = {**entry, "autoApprove": reads, "disabled": False, "timeout": 60}
            return {CLIENT_FILES[client]: _json({"mcpServers": body})}
        case "continue":
            items = []
            for server in servers:
                launch = server.launch
                if isinstance(launch, Stdio):
                    items.append({"name": server.name, "type": "stdio", **renderer.stdio(launch)})
                else:
                    item = {"name": server.name, "type": "streamable-http", "url": renderer.value(launch.url)}
                    if launch.headers:
                        item["requestOptions"] = {"headers": {k: renderer.value(v) for k, v in launch.headers}}
                    items.append(item)
            return {CLIENT_FILES[client]: _yaml({"name": f"{spec.name} assistant", "version": "1.0.0",
                                                 "schema": "v1", "mcpServers": items})}
        case "zed":
            context_servers = {}
            for server in servers:
                launch = server.launch
                context_servers[server.name] = ({"source": "custom", "env": {}, **renderer.stdio(launch)}
                                                if isinstance(launch, Stdio) else renderer.remote(launch))
            profile = {"name": f"{spec.team} read-only", "enable_all_context_servers": False,
                       "context_servers": {s.name: {"tools": {t: True for t in s.granted_tools()}}
                                           for s in servers}}
            return {CLIENT_FILES[client]: _jsonc(f"Zed settings of {owner}.",
                                                 {"theme": "One Dark", "buffer_font_size": 14,
                                                  "context_servers": context_servers,
                                                  "agent": {"default_profile": "team-read-only",
                                                            "profiles": {"team-read-only": profile}}})}
        case "gemini_cli":
            body = {}
            for server in servers:
                launch = server.launch
                if isinstance(launch, Stdio):
                    entry = {**renderer.stdio(launch), "timeout": 30000, "trust": False}
                else:
                    entry = renderer.remote(launch, "httpUrl")
                    if launch.oauth:
                        entry["authProviderType"] = "dynamic_discovery"
                body[server.name] = {**entry, "includeTools": list(server.granted_tools())}
            return {CLIENT_FILES[client]: _json({"selectedAuthType": "oauth-personal", "mcpServers": body})}
        case "codex":
            return {CLIENT_FILES[client]: _codex_toml(renderer, servers)}
    raise ValueError(f"unknown client {client}")


def _toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def _codex_toml(renderer: Renderer, servers: Sequence[Server]) -> str:
    """Codex `config.toml`: secrets only by environment-variable name (Codex expands no `${VAR}`)."""
    lines = ['model = "gpt-5-codex"', 'approval_policy = "on-request"', 'sandbox_mode = "workspace-write"']
    for server in servers:
        lines += ["", f"[mcp_servers.{server.name}]"]
        launch = server.launch
        literal_env: dict[str, str] = {}
        if isinstance(launch, Stdio):
            lines.append(f"command = {json.dumps(launch.command)}")
            lines.append(f"args = {_toml_list(renderer.value(a) for a in launch.args)}")
            passthrough = [k for k, v in launch.env if isinstance(v, Ref)]
            literal_env = {k: renderer.value(v) for k, v in launch.env if not isinstance(v, Ref)}
            if passthrough:
                lines.append(f"env_vars = {_toml_list(passthrough)}")
        else:
            lines.append(f"url = {json.dumps(renderer.value(launch.url))}")
            if launch.oauth:
                lines.append(f"scopes = {_toml_list(['mcp:tools'])}")
        lines.append(f"enabled_tools = {_toml_list(server.granted_tools())}")
        lines.append("tool_timeout_sec = 60")
        if literal_env:
            lines += ["", f"[mcp_servers.{server.name}.env]"]
            lines += [f"{k} = {json.dumps(v)}" for k, v in literal_env.items()]
    return "\n".join(lines) + "\n"


# A broken config next to a good one, so the quarantine has something to show.
BROKEN_CONFIG = (
    "hr-records", "backup/claude_desktop_config.json",
    '{\n  "globalShortcut": "Ctrl+Space",\n  "mcpServers": {\n    "hris": {\n      "command": "npx",\n'
    '      "args": ["-y", "@acme/hris-mcp@3.1.0"]\n    }\n  \n',
)


# -- tool listings --------------------------------------------------------------------------------

BARE_LISTINGS = {"wiki-search", "orders", "erp-db"}  # a few servers answer with the bare result


def tool_arguments(tool: Tool) -> dict[str, Any]:
    verb = tool.name.split("_")[0]
    if verb in ("list",):
        return {"limit": 50}
    if verb in ("search", "query", "find", "lookup", "read", "execute"):
        return {"query": tool.name.split("_", 1)[-1].replace("_", " ")}
    return {"id": f"{tool.name.split('_', 1)[-1]}-1042"}


def render_listing(server: Server) -> str:
    tools = []
    for tool in server.tools:
        args = tool_arguments(tool)
        schema = {"type": "object", "properties": {k: {"type": "integer" if isinstance(v, int) else "string"}
                                                    for k, v in args.items()}, "required": sorted(args)}
        entry: dict[str, Any] = {"name": tool.name, "title": tool.name.replace("_", " ").capitalize(),
                                 "description": tool.description, "inputSchema": schema}
        match tool.mode:
            case "read":
                entry["annotations"] = {"readOnlyHint": True, "openWorldHint": tool.open_world}
            case "write":
                entry["annotations"] = {"readOnlyHint": False, "destructiveHint": False,
                                        "idempotentHint": tool.name.startswith("update"),
                                        "openWorldHint": tool.open_world}
            case "destroy":
                entry["annotations"] = {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False,
                                        "openWorldHint": False}
        tools.append(entry)
    result = {"tools": tools}
    return _json(result if server.name in BARE_LISTINGS else {"jsonrpc": "2.0", "id": 2, "result": result})


# -- credential inventories -----------------------------------------------------------------------

def _at(as_of: date) -> datetime:
    return datetime.combine(as_of, time(), UTC)


def trail_end(t0: datetime) -> datetime:
    """Audit trails end a minute before as_of."""
    return t0 - timedelta(minutes=1)


def task_anchors(t0: datetime) -> list[datetime]:
    """When the last tasks of every audit trail start, newest first (see CALLS_VIEW)."""
    return [trail_end(t0) - ANCHOR_LEAD - n * ANCHOR_GAP for n in range(ANCHOR_TASKS)]


def _iso(moment: datetime, sep: str = "Z") -> str:
    """RFC 3339 in UTC, second precision; `sep` picks `Z` or the IAM report's `+00:00`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if sep == "Z" else "+00:00")


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _uuid(*parts: object) -> str:
    return str(uuid.UUID(hashlib.md5(":".join(map(str, parts)).encode()).hexdigest()))


def _hex(n: int, *parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:n]


def _holders(specs: Sequence[SystemSpec], as_of: date) -> list[tuple[Agent, Cred]]:
    """Every (agent, credential) pair that exists, and whose evidence is delivered, on as_of."""
    seen: dict[str, Agent] = {}
    for spec in specs:
        for connector in spec.connectors:
            seen.setdefault(connector.agent.id, connector.agent)
    return [(agent, cred) for agent in seen.values() for cred in agent.creds
            if (cred.since is None or as_of >= cred.since) and (cred.until is None or as_of < cred.until)]


AWS_REPORT_COLUMNS = (  # the 22 columns of the IAM credential report, in order
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
    "password_next_rotation", "mfa_active", "access_key_1_active", "access_key_1_last_rotated",
    "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
    "access_key_2_last_used_region", "access_key_2_last_used_service", "cert_1_active", "cert_1_last_rotated",
    "cert_2_active", "cert_2_last_rotated",
)


def _aws_report(holders: Sequence[tuple[Agent, Cred]], t0: datetime) -> str:
    na = "N/A"

    def human(name: str, days: int) -> list[str]:
        created = t0 - timedelta(days=900 + days)
        return [name, f"arn:aws:iam::{AWS_ACCOUNT}:user/people/{name}", _iso(created, "+"), "true",
                _iso(t0 - timedelta(hours=days + 3), "+"), _iso(t0 - timedelta(days=40 + days), "+"), na, "true",
                "false", na, na, na, na, "false", na, na, na, na, "false", na, "false", na]

    def machine(name: str, arn: str, rotated_days: float, second_key_days: float | None = None) -> list[str]:
        rotated = t0 - timedelta(days=rotated_days)
        row = [name, arn, _iso(rotated - timedelta(days=35), "+"), "false", na, na, na, "false",
               "true", _iso(rotated, "+"), _iso(t0 - timedelta(minutes=47), "+"), AWS_REGION, "sts"]
        if second_key_days is None:
            row += ["false", na, na, na, na]
        else:
            row += ["true", _iso(t0 - timedelta(days=second_key_days), "+"),
                    _iso(t0 - timedelta(days=33), "+"), AWS_REGION, "s3"]
        return [*row, "false", na, "false", na]

    rows = [["<root_account>", f"arn:aws:iam::{AWS_ACCOUNT}:root", _iso(t0 - timedelta(days=2400), "+"),
             "not_supported", _iso(t0 - timedelta(days=61), "+"), "not_supported", "not_supported", "true",
             "false", na, na, na, na, "false", na, na, na, na, "false", na, "false", na],
            human("victor.ivanov", 1), human("zoe.clark", 4)]
    for agent, cred in holders:
        if cred.source == "aws":
            second = 700.0 if cred.age_days > 365 else None  # the old sync user kept its first key too
            rows.append(machine(f"svc-{agent.id}", aws_user_arn(agent.id), cred.age_days, second))
    rows.append(machine("svc-ci-legacy", f"arn:aws:iam::{AWS_ACCOUNT}:user/svc-ci-legacy", 812))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(AWS_REPORT_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def _gcp_key(sa: str, key_id: str, after: datetime, before: datetime | None, key_type: str) -> dict[str, Any]:
    return {"name": f"projects/{sa.split('@')[1].split('.')[0]}/serviceAccounts/{sa}/keys/{key_id}",
            "validAfterTime": _iso(after), "validBeforeTime": _iso(before) if before else "9999-12-31T23:59:59Z",
            "keyAlgorithm": "KEY_ALG_RSA_2048", "keyOrigin": "GOOGLE_PROVIDED", "keyType": key_type}


def _entra_app(name: str, app_id: str, t0: datetime, secret_days: float, secret_age: float,
               cert_days: float | None) -> dict[str, Any]:
    start = t0 - timedelta(days=secret_age)
    app: dict[str, Any] = {
        "id": _uuid("entra-object", app_id), "appId": app_id, "displayName": name,
        "createdDateTime": _iso(start - timedelta(days=12)),
        "passwordCredentials": [{
            "customKeyIdentifier": None, "displayName": "mcp-client-secret",
            "endDateTime": _iso(start + timedelta(days=secret_days)), "hint": "Q~" + _hex(1, app_id),
            "keyId": _uuid("entra-secret", app_id), "secretText": None, "startDateTime": _iso(start)}],
        "keyCredentials": []}
    if cert_days is not None:
        app["keyCredentials"].append({
            "customKeyIdentifier": _hex(40, "thumb", app_id).upper(), "displayName": f"CN={name}",
            "endDateTime": _iso(start + timedelta(days=cert_days)), "key": None,
            "keyId": _uuid("entra-cert", app_id), "startDateTime": _iso(start),
            "type": "AsymmetricX509Cert", "usage": "Verify"})
    return app


def _graph_list(apps: list[dict[str, Any]]) -> str:
    return _json({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications(id,appId,displayName,"
                                    "createdDateTime,passwordCredentials,keyCredentials)", "value": apps})


def grant_id(agent: Agent) -> int:
    """A fine-grained PAT's grant id, fixed per agent so the token keeps its id (and its findings) across runs."""
    return 25400 + int(_hex(3, "grant", agent.id), 16) % 4000


def _github_grant(grant_id: int, login: str, name: str, selection: str, repo_perms: dict[str, str],
                  granted: datetime, expires: datetime | None, last_used: datetime) -> dict[str, Any]:
    return {"id": grant_id, "owner": {"login": login, "id": 1_000_000 + grant_id, "type": "User", "site_admin": False},
            "repository_selection": selection,
            "repositories_url": f"https://api.github.com/orgs/acme/personal-access-tokens/{grant_id}/repositories",
            "permissions": {"organization": {"members": "read"} if selection == "all" else {},
                            "repository": repo_perms, "other": {}},
            "access_granted_at": _iso(granted), "token_id": 90_000 + grant_id, "token_name": name,
            "token_expired": bool(expires and expires < last_used),
            "token_expires_at": _iso(expires) if expires else None,
            "token_last_used_at": _iso(last_used)}


def _vault_lookup(agent: Agent, cred: Cred, t0: datetime, seed: int) -> dict[str, Any]:
    lifetime = cred.lifetime_s or 3600
    created = task_anchors(t0)[0] - timedelta(minutes=2 + int(_hex(2, seed, agent.id), 16) % 20)
    expires = created + timedelta(seconds=lifetime)
    return {"request_id": _uuid(seed, "vault-req", agent.id), "lease_id": "", "renewable": False, "lease_duration": 0,
            "data": {"accessor": f"hmac-fake-{_hex(8, seed, 'acc', agent.id)}-{_hex(4, seed, 'acc2', agent.id)}",
                     "creation_time": _unix(created), "creation_ttl": lifetime,
                     "display_name": f"kubernetes-{agent.ns}-{agent.id}", "entity_id": _uuid(seed, "entity", agent.id),
                     "expire_time": _iso(expires)[:-1] + f".{int(_hex(8, agent.id), 16) % 10**9:09d}Z",
                     "explicit_max_ttl": lifetime, "id": "", "identity_policies": [],
                     "issue_time": _iso(created)[:-1] + ".466476078Z",
                     "meta": {"role": agent.id, "service_account_name": agent.id,
                              "service_account_namespace": agent.ns},
                     "num_uses": 0, "orphan": True, "path": "auth/kubernetes/login", "policies": list(cred.scopes),
                     "renewable": True, "ttl": max(0, int((expires - t0).total_seconds())), "type": "service"},
            "wrap_info": None, "warnings": None, "auth": None}


def _k8s_claims(sub_ns: str, sa: str, pod: str, t0: datetime, lifetime_s: int, extended: bool,
                seed: int) -> dict[str, Any]:
    issued = task_anchors(t0)[0] - timedelta(minutes=2 + int(_hex(2, seed, pod), 16) % 20)
    iat = _unix(issued)
    io_claims: dict[str, Any] = {
        "namespace": sub_ns,
        "node": {"name": f"ip-10-20-{int(_hex(2, pod), 16) % 64}-{int(_hex(2, 'n', pod), 16)}.{AWS_REGION}"
                         ".compute.internal",
                 "uid": _uuid(seed, "node", pod)},
        "pod": {"name": pod, "uid": _uuid(seed, "pod", pod)},
        "serviceaccount": {"name": sa, "uid": _uuid(seed, "sa", sub_ns, sa)}}
    if extended:  # the kubelet's default token: a year of hard lifetime, warnings after an hour
        io_claims["warnafter"] = iat + 3607
    return {"aud": ["https://kubernetes.default.svc.cluster.local", "sts.amazonaws.com"],
            "exp": iat + (31_536_000 if extended else lifetime_s), "iat": iat, "nbf": iat,
            "iss": f"https://oidc.eks.{AWS_REGION}.amazonaws.com/id/EXAMPLED539D4633E53DE1B7",
            "jti": _uuid(seed, "jti", pod), "kubernetes.io": io_claims,
            "sub": f"system:serviceaccount:{sub_ns}:{sa}"}


def _oauth_tokens(agent: Agent, cred: Cred, specs_by_agent: dict[str, SystemSpec], t0: datetime,
                  seed: int) -> list[dict[str, Any]]:
    spec = specs_by_agent[agent.id]
    users = USERS[spec.unit]
    server = spec.connectors[0].servers[0].name
    lifetime = cred.lifetime_s or 900
    tokens = []
    for n, task in enumerate(task_anchors(t0)):  # one token per task, issued as the task starts
        issued = task - timedelta(minutes=1)
        claims: dict[str, Any] = {
            "iss": IDP, "aud": f"https://mcp.{DOMAIN}/{server}", "client_id": f"{agent.id}-client",
            "azp": f"{agent.id}-client", "scope": " ".join(cred.scopes), "iat": _unix(issued),
            "exp": _unix(issued) + lifetime, "jti": _uuid(seed, "oauth", agent.id, n)}
        if cred.variant == "act":  # RFC 8693: the user is the subject, the agent the current actor
            claims["sub"] = email(users[n % len(users)])
            claims["act"] = {"sub": f"{agent.id}-client", "act": {"sub": f"https://chat.{DOMAIN}/clients/{spec.team}"}}
        else:
            claims["sub"] = f"{agent.id}-client"
        tokens.append(claims)
    return tokens


OTHER_CSV_COLUMNS = ("credential_id", "kind", "principal", "issued_at", "expires_at", "last_used_at",
                     "last_rotated_at", "scopes", "description")


def render_credentials(specs: Sequence[SystemSpec], as_of: date, seed: int) -> dict[str, str]:
    """{path under the estate: text} for every credential inventory (`.gz` paths are gzipped on write)."""
    t0 = _at(as_of)
    holders = _holders(specs, as_of)
    specs_by_agent = {c.agent.id: s for s in specs for c in s.connectors}
    files: dict[str, str] = {"credentials/aws/credential-report.csv": _aws_report(holders, t0)}

    entries = [{"id": _uuid(seed, "spire", "gateway"),
                "spiffe_id": {"trust_domain": TRUST_DOMAIN, "path": "/ns/mcp/sa/toolhive-gateway"},
                "parent_id": {"trust_domain": TRUST_DOMAIN, "path": "/spire/agent/k8s_psat/prod-eu/node-pool-a"},
                "selectors": [{"type": "k8s", "value": "ns:mcp"}, {"type": "k8s", "value": "sa:toolhive-gateway"}],
                "x509_svid_ttl": 3600, "jwt_svid_ttl": 300, "federates_with": [], "admin": False, "downstream": False,
                "expires_at": 0, "dns_names": ["toolhive.mcp.svc"], "revision_number": 4, "store_svid": False,
                "hint": ""}]
    oauth: list[dict[str, Any]] = []
    grants: list[dict[str, Any]] = [_github_grant(
        25381, "jana-novak", "laptop (jana)", "subset", {"contents": "read", "metadata": "read"},
        t0 - timedelta(days=95), None, t0 - timedelta(days=2, hours=3))]
    other_rows: list[list[str]] = []
    for agent, cred in holders:
        match cred.source:
            case "spiffe":
                entries.append({
                    "id": _uuid(seed, "spire", agent.id),
                    "spiffe_id": {"trust_domain": TRUST_DOMAIN, "path": f"/ns/{agent.ns}/sa/{agent.id}"},
                    "parent_id": {"trust_domain": TRUST_DOMAIN, "path": "/spire/agent/k8s_psat/prod-eu/node-pool-a"},
                    "selectors": [{"type": "k8s", "value": f"ns:{agent.ns}"},
                                  {"type": "k8s", "value": f"sa:{agent.id}"}],
                    "x509_svid_ttl": cred.lifetime_s, "jwt_svid_ttl": 300, "federates_with": [], "admin": False,
                    "downstream": False, "expires_at": 0, "dns_names": [],
                    "revision_number": 1 + int(_hex(2, agent.id), 16) % 7, "store_svid": False, "hint": ""})
            case "k8s":
                sa = agent.shared_sa or agent.id
                pod = f"{agent.id}-{_hex(9, seed, 'rs', agent.id)}-{_hex(5, seed, 'pod', agent.id)}"
                files[f"credentials/k8s/{agent.ns}.{pod}.json"] = _json(_k8s_claims(
                    agent.ns, sa, pod, t0, cred.lifetime_s or 3600, cred.variant == "extended", seed))
            case "vault":
                files[f"credentials/vault/kubernetes-{agent.ns}-{agent.id}.json"] = _json(
                    _vault_lookup(agent, cred, t0, seed))
            case "oauth":
                oauth += _oauth_tokens(agent, cred, specs_by_agent, t0, seed)
            case "gcp":
                sa = gcp_email(agent.id)
                if as_of >= GCP_KEY_ROTATED:
                    after = max(_at(GCP_KEY_ROTATED) + timedelta(hours=9), t0 - timedelta(days=25))
                    user_key = _gcp_key(sa, _hex(40, seed, "gcp-new", agent.id), after,
                                        after + timedelta(seconds=cred.lifetime_s or 30 * 86400), "USER_MANAGED")
                else:
                    user_key = _gcp_key(sa, _hex(40, seed, "gcp-old", agent.id), t0 - timedelta(days=200), None,
                                        "USER_MANAGED")
                system_key = _gcp_key(sa, _hex(40, seed, "gcp-sys", agent.id), t0 - timedelta(days=5),
                                      t0 + timedelta(days=9), "SYSTEM_MANAGED")
                files[f"credentials/gcp/{agent.id}.json"] = _json({"keys": [user_key, system_key]})
            case "entra":
                files[f"credentials/entra/{agent.id}-app.json"] = _graph_list([_entra_app(
                    f"{agent.id}-app", entra_app_id(agent.id), t0, (cred.lifetime_s or 0) / 86400, cred.age_days,
                    365)])
            case "github":
                if cred.variant == "admin":  # short-lived, but every repository with administration rights
                    granted = t0 - timedelta(days=cred.age_days)
                    grants.append(_github_grant(
                        grant_id(agent), f"acme-{agent.id}-bot", f"mcp {agent.id}", "all",
                        {"administration": "write", "contents": "write", "issues": "write", "metadata": "read",
                         "pull_requests": "write"},
                        granted, granted + timedelta(seconds=cred.lifetime_s or 0), t0 - timedelta(hours=2)))
                else:
                    granted = max(_at(cred.since or as_of) + timedelta(hours=10), t0 - timedelta(days=300))
                    grants.append(_github_grant(
                        grant_id(agent), f"acme-{agent.id}-bot", f"mcp {agent.id}", "subset",
                        {"contents": "read", "metadata": "read"}, granted, None, t0 - timedelta(hours=5)))
            case "csv":
                issued = t0 - timedelta(days=cred.age_days)
                other_rows.append([f"nbk-{_hex(12, seed, agent.id)}", "static_key", agent.id, _iso(issued),
                                   _iso(issued + timedelta(seconds=cred.lifetime_s or 0)),
                                   _iso(t0 - timedelta(hours=6)), _iso(issued), "notebooks:read notebooks:execute",
                                   "Notebook service API key for the research sandbox"])
    entries.sort(key=lambda e: e["spiffe_id"]["path"])
    files["credentials/spiffe/entries.json"] = _json({"entries": entries})
    files["credentials/github/personal-access-tokens.json"] = _json(grants)
    files["credentials/oauth/idp-access-tokens.jsonl.gz"] = "".join(
        json.dumps(c, separators=(",", ":")) + "\n" for c in sorted(oauth, key=lambda c: (c["iat"], c["jti"])))
    # evidence that resolves to no agent: people, platform automation, a forgotten legacy token
    files["credentials/k8s/ci.legacy-deployer-token.json"] = _json({
        "iss": "kubernetes/serviceaccount", "kubernetes.io/serviceaccount/namespace": "ci",
        "kubernetes.io/serviceaccount/secret.name": "legacy-deployer-token-7xq2p",
        "kubernetes.io/serviceaccount/service-account.name": "legacy-deployer",
        "kubernetes.io/serviceaccount/service-account.uid": _uuid(seed, "legacy-deployer"),
        "sub": "system:serviceaccount:ci:legacy-deployer"})
    files["credentials/gcp/terraform.json"] = _json({"keys": [_gcp_key(
        "terraform@acme-platform.iam.gserviceaccount.com", _hex(40, seed, "tf"), t0 - timedelta(days=640), None,
        "USER_MANAGED")]})
    files["credentials/entra/workforce-apps.json"] = _graph_list([
        _entra_app("Acme Expense Bot", _uuid(seed, "expense-bot"), t0, 365, 120, None),
        _entra_app("Acme Intranet SSO", _uuid(seed, "intranet"), t0, 180, 30, 730)])
    other_rows += [
        [f"jh-{_hex(12, seed, 'hannah')}", "static_key", email("hannah.berg"), _iso(t0 - timedelta(days=41)),
         _iso(t0 + timedelta(days=49)), _iso(t0 - timedelta(days=1)), _iso(t0 - timedelta(days=41)),
         "notebooks:read", "JupyterHub token (personal)"],
        [f"dd-{_hex(12, seed, 'datadog')}", "static_key", "datadog-forwarder", _iso(t0 - timedelta(days=300)), "",
         _iso(t0 - timedelta(minutes=5)), _iso(t0 - timedelta(days=300)), "logs:write", "Datadog log forwarder"],
        # a row with an impossible date, so the quarantine shows how it reports a bad record
        [f"sf-{_hex(12, seed, 'sfdc')}", "password", "sfdc-integration", "2026-13-45T25:61:00Z",
         _iso(t0 + timedelta(days=30)), "", "", "api", "Salesforce integration user (typo in export)"],
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(OTHER_CSV_COLUMNS)
    writer.writerows(other_rows)
    files["credentials/other/credentials.csv"] = buffer.getvalue()
    return files


# -- the YAML a person writes -----------------------------------------------------------------------

CISO = email("ciso")

EXCEPTIONS: tuple[dict[str, Any], ...] = (
    {"id": "EXC-2026-012", "check": "SC-02", "system": "payments-gateway", "owner": email("olu.adeyemi"),
     "approver": CISO, "reason_kind": "compensating_control",
     "reason": "Refunds above 500 EUR need a second approver in the payments back office.", "ticket": "PAY-2231",
     "created": date(2026, 5, 1), "expires": date(2026, 10, 31)},
    {"id": "EXC-2026-031", "check": "SC-02", "system": "inventory-planning", "owner": email("fatima.zahra"),
     "approver": CISO, "reason_kind": "compensating_control",
     "reason": "Purchase orders the agent creates stay drafts until a planner approves them in the ERP.",
     "ticket": "SCM-918", "created": date(2026, 9, 15), "expires": date(2027, 3, 31)},
    {"id": "EXC-2026-040", "check": "SC-09", "system": "risk-scoring", "owner": email("priya.nair"),
     "approver": CISO, "reason_kind": "planned_remediation",
     "reason": "Image digests are being rolled out; kept in case the rollout slips (nothing to cover yet).",
     "ticket": "RISK-77", "created": date(2026, 10, 1), "expires": date(2027, 4, 1)},
    {"id": "EXC-2026-044", "check": "ID-04", "system": "hr-payroll-legacy", "owner": email("grace.liu"),
     "approver": CISO, "reason_kind": "risk_accepted",
     "reason": "Legacy payroll connector retired next quarter (system was renamed; this id no longer exists).",
     "ticket": "PPL-61", "created": date(2026, 10, 5), "expires": date(2027, 1, 31)},
    {"id": "EXC-2026-047", "check": "SC-05", "system": "crm-accounts", "owner": email("aisha.khan"),
     "approver": CISO, "reason_kind": "risk_accepted",
     "reason": "Emails go only to contacts of the account in question; outbound DLP scans every message.",
     "ticket": "CRM-1190", "created": date(2026, 11, 2), "expires": date(2026, 12, 31)},
    {"id": "EXC-2026-050", "check": "ID-07", "system": "ops-monitoring", "owner": email("victor.ivanov"),
     "approver": CISO, "reason_kind": "planned_remediation",
     "reason": "Sentry OAuth app requested; the bearer token is rotated weekly until it is live.",
     "ticket": "SRE-2207", "created": date(2026, 11, 10), "expires": date(2026, 11, 30)},
)
UNKNOWN_SYSTEM_EXCEPTIONS = {"EXC-2026-044"}  # kept at every size: it points at no system on purpose

TICKETS: tuple[tuple[str, str, str, str, date | None, date], ...] = (
    # check, system, owner (team), ticket, due (None: tier SLA), opened
    ("ID-02", "billing-api", "billing", "BILL-412", date(2026, 12, 15), date(2026, 10, 2)),
    ("ID-04", "hr-records", "people-systems", "PPL-88", None, date(2026, 10, 20)),
    ("ID-01", "dev-tooling", "developer-experience", "DEVX-1201", date(2026, 11, 30), date(2026, 10, 8)),
    ("ID-04", "release-engineering", "release", "REL-342", None, date(2026, 10, 8)),
    ("ID-06", "vendor-portal", "procurement", "PROC-19", date(2026, 11, 10), date(2026, 9, 28)),
    ("SC-09", "docs-portal", "web", "WEB-77", date(2027, 1, 15), date(2026, 10, 27)),
    ("AU-01", "it-helpdesk", "it-service", "ITSM-3012", date(2026, 12, 1), date(2026, 10, 14)),
    ("AU-06", "wellness-programs", "benefits", "BEN-55", None, date(2026, 11, 4)),
    ("SC-10", "sales-ops", "revenue-ops", "REVOPS-230", date(2026, 11, 24), date(2026, 11, 5)),
    ("ID-03", "mobile-backend", "mobile", "MOB-1408", None, date(2026, 11, 13)),
)

POLICY: dict[str, Any] = {
    "tiers": {
        2: {"agent_coverage": 99.5},  # stricter than the default 99 %
        3: {"max_credential_lifetime": "14d"},  # looser than the default 7 days
        4: {"retention_days": 14},  # looser than the default 30 days
    },
    "review_window_days": 30,
    "task_credential_grace": "1h",
    "remediation_sla_days": {1: 7, 2: 14, 3: 45, 4: 90},
}


def render_inventory(specs: Sequence[SystemSpec], as_of: date, seed: int) -> dict[str, str]:
    systems, agents, connectors = [], {}, []
    for spec in specs:
        entry: dict[str, Any] = {"id": spec.id, "name": spec.name, "owner": spec.owner, "team": spec.team,
                                 "business_unit": spec.unit, "environment": spec.environment,
                                 "data_classes": list(spec.data_classes)}
        if spec.tier is not None:
            entry["tier"] = spec.tier
            entry["tier_reason"] = spec.tier_reason
            if spec.tier_approver is not None:
                entry["tier_approver"] = spec.tier_approver
        approved = []
        for connector in spec.connectors:
            for server in connector.servers:
                if server.approved:
                    item: dict[str, Any] = {"name": server.name}
                    if connector.client in ALLOWLIST_CLIENTS:
                        item["tools"] = list(server.granted_tools())
                    approved.append(item)
        entry["approved_servers"] = approved
        entry["log_sinks"] = [{"name": s.name, "append_only": s.append_only, "hash_chained": s.hash_chained,
                               "retention_days": s.retention_days} for s in spec.sinks]
        systems.append(entry)
        for connector in spec.connectors:
            agent = connector.agent
            agents.setdefault(agent.id, {"id": agent.id, "name": agent.name, "owner": spec.owner, "kind": "agent",
                                         "identities": agent.identities()})
            folder = f"connectors/{spec.id}/" + (f"{connector.folder}/" if connector.folder else "")
            connectors.append({"config": f"{folder}*", "system": spec.id, "agent": agent.id})
    header = (f"# Acme ({DOMAIN}) MCP estate inventory, as of {as_of.isoformat()}.\n"
              f"# Generated by mcp_clearance.sample_estate (seed {seed}); see SCENARIOS.md for the intent.\n")
    inventory = header + _yaml({"systems": systems, "agents": list(agents.values()), "connectors": connectors})

    present = {s.id for s in specs}
    exceptions = [dict(e) for e in EXCEPTIONS if e["created"] <= as_of
                  and (e["system"] in present or e["id"] in UNKNOWN_SYSTEM_EXCEPTIONS)]
    tickets = []
    for check, system, owner, ticket, due, opened in TICKETS:
        if system in present and opened <= as_of:
            item = {"check": check, "system": system, "owner": owner, "ticket": ticket}
            if due is not None:
                item["due"] = due
            tickets.append(item)
    return {
        "inventory.yaml": inventory,
        "policy.yaml": "# Acme's thresholds where they differ from the shipped tier policy.\n" + _yaml(POLICY),
        "exceptions.yaml": "# Accepted risks. Expired ones suppress nothing; they stay for the record.\n"
                           + _yaml({"exceptions": exceptions}),
        "remediation.yaml": "# Remediation tickets attached to findings.\n" + _yaml({"tickets": tickets}),
    }


# -- audit evidence (written by DuckDB, streamed from range(n)) -------------------------------------

AWS_SERVICES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], str, str, str]] = {
    # service: (eventSource, read calls, write calls, resource type, ARN pattern, event category)
    "dynamodb": ("dynamodb.amazonaws.com", ("GetItem", "Query"), ("UpdateItem", "PutItem"), "AWS::DynamoDB::Table",
                 "arn:aws:dynamodb:{region}:{account}:table/{res}", "Data"),
    "s3": ("s3.amazonaws.com", ("GetObject", "ListObjects"), ("PutObject",), "AWS::S3::Object",
           "arn:aws:s3:::{res}/mcp/", "Data"),
    "athena": ("athena.amazonaws.com", ("StartQueryExecution", "GetQueryResults"), ("StartQueryExecution",),
               "AWS::Athena::WorkGroup", "arn:aws:athena:{region}:{account}:workgroup/{res}", "Management"),
    "rds-data": ("rds-data.amazonaws.com", ("ExecuteStatement",), ("ExecuteStatement",), "AWS::RDS::DBCluster",
                 "arn:aws:rds:{region}:{account}:cluster:{res}", "Data"),
    "secretsmanager": ("secretsmanager.amazonaws.com", ("GetSecretValue",), ("PutSecretValue",),
                       "AWS::SecretsManager::Secret", "arn:aws:secretsmanager:{region}:{account}:secret:{res}",
                       "Management"),
    "lambda": ("lambda.amazonaws.com", ("Invoke",), ("Invoke",), "AWS::Lambda::Function",
               "arn:aws:lambda:{region}:{account}:function:{res}", "Data"),
    "ses": ("ses.amazonaws.com", ("SendEmail",), ("SendEmail",), "AWS::SES::Identity",
            "arn:aws:ses:{region}:{account}:identity/{res}", "Management"),
}


@dataclass
class Stream:
    """One server's audit trail: the calls one agent makes through it, in one format."""

    sid: int
    spec: SystemSpec
    connector: Connector
    server: Server
    start: datetime
    weight: float
    n: int = 0

    @property
    def fmt(self) -> str:
        return self.spec.audit.fmt

    @property
    def path(self) -> str:
        name = f"{self.spec.id}.{self.server.name}"  # one server name can serve two systems (github)
        match self.fmt:
            case "toolhive":
                return f"audit/toolhive/{name}.audit.jsonl.gz"
            case "otlp":
                return f"audit/otel/{name}.traces.jsonl.gz"
            case "jsonrpc_session":
                return f"audit/mcp-captures/{name}.session.jsonl.gz"
        return f"audit/mcp-captures/{name}.stateless.jsonl.gz"


def audit_streams(specs: Sequence[SystemSpec], as_of: date) -> list[Stream]:
    t0 = _at(as_of)
    window = t0 - timedelta(days=REVIEW_DAYS)
    streams: list[Stream] = []
    for spec in specs:
        if spec.audit.fmt == "none":
            continue
        logged = [(c, s) for c in spec.connectors for s in c.servers if s.logged]
        for connector, server in logged:
            begins = [window] + [_at(d) for d in (spec.audit.start, server.added) if d is not None]
            start = max(begins)
            if start < t0:
                streams.append(Stream(len(streams) + 1, spec, connector, server, start,
                                      spec.audit.weight / len(logged)))
    return streams


def allocate(streams: Sequence[Stream], events: int) -> None:
    """Split `events` tool calls over the streams by weight; each gets enough to call every granted tool."""
    floors = [min(2 * len(s.server.tools) + 6, 40) for s in streams]
    if events < sum(floors):
        floors = [0] * len(streams)
    rest = events - sum(floors)
    total = sum(s.weight for s in streams) or 1.0
    shares = [rest * s.weight / total for s in streams]
    counts = [int(x) for x in shares]
    by_remainder = sorted(range(len(streams)), key=lambda i: (-(shares[i] - counts[i]), i))
    for i in by_remainder[: rest - sum(counts)]:
        counts[i] += 1
    for stream, floor, count in zip(streams, floors, counts, strict=True):
        stream.n = floor + count


def _tool_rows(stream: Stream) -> list[tuple[Any, ...]]:
    """stream_tools rows: granted tools first (k < n_granted), then the ones outside the grant."""
    server = stream.server
    granted = server.granted_tools()
    ordered = [t for t in server.tools if t.name in granted] + [t for t in server.tools if t.name not in granted]
    rows = []
    for k, tool in enumerate(ordered):
        service, res = tool.event or server.service or ("s3", "none")
        if tool.event is not None:
            res = {"lambda": f"{server.name}-{tool.name.replace('_', '-')}", "ses": DOMAIN,
                   "secretsmanager": f"prod/{stream.spec.id}/runbook"}.get(service, res)
        source, reads, writes, rtype, arn_fmt, category = AWS_SERVICES[service]
        calls = reads if tool.mode == "read" else writes
        arn = arn_fmt.format(region=AWS_REGION, account=AWS_ACCOUNT, res=res)
        params = {
            "dynamodb": {"tableName": res}, "s3": {"bucketName": res, "key": f"mcp/{tool.name}.json"},
            "athena": {"workGroup": res, "queryExecutionContext": {"database": res.replace("-", "_")}},
            "rds-data": {"resourceArn": arn, "database": res.split("-")[0]}, "secretsmanager": {"secretId": res},
            "lambda": {"functionName": res}, "ses": {"source": f"noreply@{DOMAIN}"},
        }[service]
        rows.append((stream.sid, k, tool.name, tool.mode == "read", source, calls[k % len(calls)], rtype, arn,
                     json.dumps(params), json.dumps(tool_arguments(tool)), category))
    return rows


def _stream_row(stream: Stream, t0: datetime) -> tuple[Any, ...]:
    spec, agent, server = stream.spec, stream.connector.agent, stream.server
    product, version = CLIENT_PRODUCTS[stream.connector.client]
    role = f"mcp-{agent.id}"
    return (
        stream.sid, stream.fmt, stream.n, int(stream.start.timestamp() * 1e6),
        int((trail_end(t0) - stream.start).total_seconds() * 1e6),
        server.name, spec.environment, agent.workload_id, agent.id, "1.4.0", f"{product}/{version}", product, version,
        spec.audit.no_user, spec.audit.decision, spec.audit.denied,
        spec.audit.linked and server.service is not None, role, "AROA" + _hex(16, "role", role).upper(),
        len(server.granted_tools()), len(server.tools), len(USERS[spec.unit]) + 1,
        int(_hex(2, spec.id), 16) % 200 + 20, "http" if isinstance(server.launch, Remote) else "streamable-http",
        f"{1 + int(_hex(1, server.name), 16) % 4}.{int(_hex(2, server.name), 16) % 20}.0",
    )


STREAMS_DDL = """
CREATE TABLE streams (sid INTEGER, fmt VARCHAR, n BIGINT, t_start_us BIGINT, span_us BIGINT, server VARCHAR,
    environment VARCHAR, agent_sub VARCHAR, client_name VARCHAR, client_version VARCHAR, user_agent VARCHAR,
    product VARCHAR, product_version VARCHAR, p_no_user DOUBLE, decision BOOLEAN, p_denied DOUBLE,
    linked BOOLEAN, role_name VARCHAR, role_id VARCHAR, n_granted BIGINT, n_tools BIGINT, n_users BIGINT,
    ip3 INTEGER, transport VARCHAR, server_version VARCHAR);
CREATE TABLE stream_tools (sid INTEGER, k BIGINT, tool VARCHAR, read_only BOOLEAN, ct_source VARCHAR,
    ct_event VARCHAR, ct_rtype VARCHAR, ct_arn VARCHAR, ct_params VARCHAR, args VARCHAR, ct_category VARCHAR);
CREATE TABLE stream_users (sid INTEGER, k BIGINT, "user" VARCHAR);
"""

# Integer hashing keeps every "random" column a pure function of (seed, stream, call), identical on
# every DuckDB version (its own hash() is not promised to stay stable).
MACROS = """
CREATE MACRO m1(x) AS (xor(x, x >> 16) * 73244475) % 4294967296;
CREATE MACRO hh(sid, j, f) AS
    m1(m1((j::BIGINT * 1597334677 + sid::BIGINT * 40503 + f::BIGINT * 224682251 + {seed}) % 4294967296));
CREATE MACRO uu(sid, j, f) AS hh(sid, j, f) / 4294967296.0;
CREATE MACRO ts_us(x) AS strftime(make_timestamp(x), '%Y-%m-%dT%H:%M:%S.%fZ');
CREATE MACRO ts_ns(x, extra) AS  -- RFC 3339 with nanoseconds, as ToolHive logs them
    strftime(make_timestamp(x), '%Y-%m-%dT%H:%M:%S.%f') || lpad((extra % 1000)::VARCHAR, 3, '0') || 'Z';
CREATE MACRO ts_s(x) AS strftime(make_timestamp(x), '%Y-%m-%dT%H:%M:%SZ');
CREATE MACRO uuid_of(m) AS substr(m, 1, 8) || '-' || substr(m, 9, 4) || '-4' || substr(m, 14, 3) || '-a'
    || substr(m, 18, 3) || '-' || substr(m, 21, 12);
-- the role session the gateway opens per task: named after its request id (ToolHive) or MCP session (OTLP)
CREATE MACRO session_name(fmt, m_task) AS CASE WHEN fmt = 'toolhive' THEN uuid_of(m_task) ELSE m_task END;
CREATE MACRO kv(k, v) AS {{'key': k, 'value': {{'stringValue': v}}}};
"""

CALLS_VIEW = """
CREATE VIEW calls AS
SELECT s.*, r.j,
    -- agents work in tasks: a burst of calls seconds apart, tasks spread over the window; the last
    -- {anchors} tasks sit at fixed times before as_of, where the per-task tokens were issued
    CASE WHEN r.j // {task} >= ceil(s.n / {task}) - {anchors}
         THEN greatest(s.t_start_us, s.t_start_us + s.span_us - {lead}
                       - (ceil(s.n / {task}) - 1 - r.j // {task})::BIGINT * {gap})
         ELSE s.t_start_us + ((r.j // {task} + uu(s.sid, r.j // {task}, 1)) / ceil(s.n / {task})
                              * greatest(s.span_us - {anchors} * {gap}, 0))::BIGINT END AS task_us,
    task_us + r.j % {task} * 20000000 + hh(s.sid, r.j, 15) % 15000000 AS t_us,
    s.p_denied > 0 AND uu(s.sid, r.j, 2) < s.p_denied AS denied,
    CASE WHEN s.p_denied > 0 AND uu(s.sid, r.j, 2) < s.p_denied
             THEN CASE WHEN s.n_tools > s.n_granted THEN s.n_granted + hh(s.sid, r.j, 3) % (s.n_tools - s.n_granted)
                       ELSE hh(s.sid, r.j, 3) % s.n_granted END
         WHEN r.j < s.n_granted THEN r.j
         ELSE least(floor(s.n_granted * pow(uu(s.sid, r.j, 4), 1.7))::BIGINT, s.n_granted - 1) END AS k_tool,
    uu(s.sid, r.j // {task}, 5) >= s.p_no_user AS has_user,
    least(floor(s.n_users * pow(uu(s.sid, r.j // {task}, 6), 1.3))::BIGINT, s.n_users - 1) AS k_user,
    12 + hh(s.sid, r.j, 7) % 880 AS duration_ms,
    uu(s.sid, r.j, 8) < 0.004 AS tool_error,
    md5(concat_ws(':', 'call', {seed}, s.sid, r.j)) AS m_id,
    md5(concat_ws(':', 'trace', {seed}, s.sid, r.j)) AS m_trace,
    md5(concat_ws(':', 'task', {seed}, s.sid, r.j // {task})) AS m_task
FROM streams AS s, range(s.n) AS r(j)
"""

CALL_JOINS = """
FROM calls AS c
JOIN stream_tools AS t ON t.sid = c.sid AND t.k = c.k_tool
JOIN stream_users AS u ON u.sid = c.sid AND u.k = c.k_user
"""

TOOLHIVE_SQL = """
SELECT line FROM (
    SELECT c.t_us AS t, c.j * 2 + 1.0 AS ord, to_json({{
        'time': ts_us(c.t_us + c.duration_ms * 1000 + 150),
        'level': 'AUDIT', 'msg': 'audit_event',
        'audit_id': uuid_of(c.m_id), 'type': 'mcp_tool_call',
        'logged_at': ts_ns(c.t_us + c.duration_ms * 1000 + 120, hh(c.sid, c.j, 12)),
        'outcome': CASE WHEN c.denied THEN 'denied' WHEN c.tool_error THEN 'application_error' ELSE 'success' END,
        'component': c.server,
        'source': {{'type': 'network', 'value': '10.20.' || c.ip3 || '.' || (2 + hh(c.sid, c.j, 9) % 250),
                   'extra': {{'user_agent': c.user_agent, 'request_id': uuid_of(c.m_task)}}}},
        'subjects': {{'user_id': CASE WHEN c.has_user THEN u.user END, 'user': CASE WHEN c.has_user THEN u.user END,
                     'client_name': c.client_name, 'client_version': c.client_version}},
        'delegation': {{'chain': [{{'iss': '{idp}', 'sub': c.agent_sub}}], 'truncated': false, 'omitted': 0,
                       'malformed': false}},
        'target': {{'endpoint': '/mcp', 'method': 'tools/call', 'type': 'tool', 'name': t.tool}},
        'authz': CASE WHEN c.decision THEN {{'decision': CASE WHEN c.denied THEN 'deny' ELSE 'allow' END,
                                            'policy': 'acme-mcp-policy@2026.11'}} END,
        'metadata': {{'extra': {{'duration_ms': c.duration_ms, 'transport': c.transport,
                                'response_size_bytes': 180 + hh(c.sid, c.j, 10) % 4000}}}}
    }})::VARCHAR AS line
    {joins}
    WHERE c.sid = {sid}
    UNION ALL
    SELECT c.t_us - 900000, c.j * 2 + 0.0, to_json({{
        'time': ts_us(c.t_us - 900000), 'level': 'AUDIT', 'msg': 'audit_event',
        'audit_id': uuid_of(md5('list' || c.m_id)), 'type': 'mcp_tools_list',
        'logged_at': ts_ns(c.t_us - 900000, hh(c.sid, c.j, 13)), 'outcome': 'success', 'component': c.server,
        'source': {{'type': 'network', 'value': '10.20.' || c.ip3 || '.' || (2 + hh(c.sid, c.j, 9) % 250),
                   'extra': {{'user_agent': c.user_agent, 'request_id': uuid_of(c.m_task)}}}},
        'subjects': {{'user_id': NULL::VARCHAR, 'user': NULL::VARCHAR, 'client_name': c.client_name,
                     'client_version': c.client_version}},
        'delegation': {{'chain': [{{'iss': '{idp}', 'sub': c.agent_sub}}], 'truncated': false, 'omitted': 0,
                       'malformed': false}},
        'target': {{'endpoint': '/mcp', 'method': 'tools/list', 'type': 'endpoint', 'name': NULL::VARCHAR}},
        'metadata': {{'extra': {{'duration_ms': 9, 'transport': c.transport, 'response_size_bytes': 2210}}}}
    }})::VARCHAR
    FROM calls AS c WHERE c.sid = {sid} AND c.j % 40 = 0
    {bad_line}
) ORDER BY t, ord
"""

OTLP_SQL = """
-- one ExportTraceServiceRequest per line, one span each (a batch of one: memory stays flat however
-- many spans a file holds)
SELECT line FROM (
    SELECT c.j, '{{"resourceSpans":[{{"resource":' || to_json({{'attributes': [
               kv('service.name', c.server), kv('service.version', c.server_version),
               kv('deployment.environment.name', c.environment)]}})
           || ',"scopeSpans":[{{"scope":{{"name":"opentelemetry-instrumentation-mcp","version":"0.3.0"}},"spans":['
           || to_json({{
               'traceId': c.m_trace, 'spanId': substr(c.m_id, 1, 16), 'parentSpanId': substr(c.m_trace, 17, 16),
               'name': 'tools/call ' || t.tool, 'kind': 2,
               'startTimeUnixNano': (c.t_us * 1000)::VARCHAR,
               'endTimeUnixNano': ((c.t_us + c.duration_ms * 1000) * 1000)::VARCHAR,
               'attributes': list_filter([
                   kv('mcp.method.name', 'tools/call'), kv('gen_ai.operation.name', 'execute_tool'),
                   kv('gen_ai.tool.name', t.tool), kv('jsonrpc.request.id', 'req-' || substr(c.m_id, 17, 16)),
                   kv('mcp.protocol.version', '2025-11-25'), kv('mcp.session.id', c.m_task),
                   kv('network.transport', 'tcp'),
                   kv('client.address', '10.20.' || c.ip3 || '.' || (2 + hh(c.sid, c.j, 9) % 250)),
                   kv('gen_ai.agent.id', c.agent_sub), kv('gen_ai.agent.name', c.client_name),
                   kv('enduser.id', CASE WHEN c.has_user THEN u.user END),
                   kv('agent.threat.detection.action',
                      CASE WHEN NOT c.decision THEN NULL WHEN c.denied THEN 'block' ELSE 'allow' END),
                   kv('agent.threat.detection.ruleset', CASE WHEN c.decision THEN 'acme-mcp-policy@2026.11' END),
                   kv('error.type', CASE WHEN c.tool_error THEN 'tool_error' END)
               ], lambda a: a.value.stringValue IS NOT NULL),
               'status': {{'code': CASE WHEN c.tool_error THEN 2 ELSE 0 END}}
           }})::VARCHAR || ']}}]}}]}}' AS line
    {joins}
    WHERE c.sid = {sid}
) ORDER BY j
"""

SESSION_SQL = """
SELECT line FROM (
    SELECT c.j * 10 + 0 AS ord, to_json({{'jsonrpc': '2.0', 'id': 0, 'method': 'initialize', 'params': {{
        'protocolVersion': '2025-06-18', 'capabilities': {{'roots': {{'listChanged': true}}}},
        'clientInfo': {{'name': c.product, 'version': c.product_version}}}}}})::VARCHAR AS line
    FROM calls AS c WHERE c.sid = {sid} AND c.j % {task} = 0
    UNION ALL
    SELECT c.j * 10 + 1, to_json({{'jsonrpc': '2.0', 'id': 0, 'result': {{
        'protocolVersion': '2025-06-18', 'capabilities': {{'tools': {{'listChanged': true}}}},
        'serverInfo': {{'name': c.server, 'version': c.server_version}}}}}})::VARCHAR
    FROM calls AS c WHERE c.sid = {sid} AND c.j % {task} = 0
    UNION ALL
    SELECT c.j * 10 + 2, '{{"jsonrpc":"2.0","method":"notifications/initialized"}}'
    FROM calls AS c WHERE c.sid = {sid} AND c.j % {task} = 0
    UNION ALL
    SELECT c.j * 10 + 3, to_json({{'jsonrpc': '2.0', 'id': c.j % {task} + 1, 'method': 'tools/call', 'params': {{
        'name': t.tool, 'arguments': t.args::JSON, '_meta': {{'progressToken': 'p-' || substr(c.m_id, 1, 8),
        'traceparent': '00-' || c.m_trace || '-' || substr(c.m_id, 1, 16) || '-01'}}}}}})::VARCHAR
    {joins} WHERE c.sid = {sid}
    UNION ALL
    SELECT c.j * 10 + 4, to_json({{'jsonrpc': '2.0', 'id': c.j % {task} + 1, 'result': {{
        'content': [{{'type': 'text', 'text': t.tool || ': ' || (1 + hh(c.sid, c.j, 14) % 40) || ' rows'}}],
        'isError': c.tool_error}}}})::VARCHAR
    {joins} WHERE c.sid = {sid}
) ORDER BY ord
"""

STATELESS_SQL = """
SELECT line FROM (
    SELECT c.j * 2 AS ord, to_json({{'jsonrpc': '2.0', 'id': 'call-' || substr(c.m_id, 1, 12), 'method': 'tools/call',
        'params': {{'_meta': {{'io.modelcontextprotocol/protocolVersion': '2026-07-28',
                              'io.modelcontextprotocol/clientInfo': {{'name': c.product, 'version': c.product_version}},
                              'io.modelcontextprotocol/clientCapabilities': {{'elicitation': {{'form': {{}}}}}},
                              'traceparent': '00-' || c.m_trace || '-' || substr(c.m_id, 1, 16) || '-01'}},
                   'name': t.tool, 'arguments': t.args::JSON}}}})::VARCHAR AS line
    {joins} WHERE c.sid = {sid}
    UNION ALL
    SELECT c.j * 2 + 1, to_json({{'jsonrpc': '2.0', 'id': 'call-' || substr(c.m_id, 1, 12), 'result': {{
        'resultType': 'complete',
        'content': [{{'type': 'text', 'text': t.tool || ': ' || (1 + hh(c.sid, c.j, 14) % 40) || ' items'}}],
        'isError': c.tool_error,
        '_meta': {{'io.modelcontextprotocol/serverInfo': {{'name': c.server, 'version': c.server_version}}}}
    }}}})::VARCHAR
    {joins} WHERE c.sid = {sid}
) ORDER BY ord
"""

CT_CALLS_SQL = """
CREATE TABLE ct_calls AS
SELECT sid, j, k_tool, k_user, has_user, task_us, t_us + 400000 + hh(sid, j, 11) % 2000000 AS ct_us
FROM calls WHERE linked AND NOT denied
"""

CT_NOISE_SQL = """
CREATE TABLE ct_noise AS
SELECT r.i, {start} + (hh(0, r.i, 20) / 4294967296.0 * {span})::BIGINT AS ct_us,
       ['victor.ivanov', 'zoe.clark'][1 + hh(0, r.i, 21) % 2] AS who,
       [['ec2.amazonaws.com', 'DescribeInstances'], ['iam.amazonaws.com', 'ListRoles'],
        ['cloudtrail.amazonaws.com', 'LookupEvents'], ['s3.amazonaws.com', 'ListBuckets']][1 + hh(0, r.i, 22) % 4]
        AS api
FROM range({n}) AS r(i)
"""

CT_DAY_SQL = """
CREATE OR REPLACE TEMP TABLE ct_day AS
WITH day AS (
    SELECT ct.ct_us, ct.sid, ct.j, to_json({{
        'eventVersion': '1.11',
        'userIdentity': {{
            'type': 'AssumedRole', 'principalId': s.role_id || ':' || session_name(s.fmt, ct.m_task),
            'arn': 'arn:aws:sts::{account}:assumed-role/' || s.role_name || '/' || session_name(s.fmt, ct.m_task),
            'accountId': '{account}', 'accessKeyId': 'ASIA' || upper(substr(md5(ct.m_task), 1, 16)),
            'sessionContext': {{
                'sessionIssuer': {{'type': 'Role', 'principalId': s.role_id,
                                  'arn': 'arn:aws:iam::{account}:role/' || s.role_name, 'accountId': '{account}',
                                  'userName': s.role_name}},
                'sourceIdentity': CASE WHEN ct.has_user THEN u.user END,
                'attributes': {{'creationDate': ts_s(ct.task_us), 'mfaAuthenticated': 'false'}}}}}},
        'eventTime': ts_s(ct.ct_us), 'eventSource': t.ct_source, 'eventName': t.ct_event, 'awsRegion': '{region}',
        'sourceIPAddress': '10.20.' || s.ip3 || '.' || (2 + hh(ct.sid, ct.j, 9) % 250),
        'userAgent': 'aws-sdk-go-v2/1.36.3 os/linux lang/go#1.24.4 api/' || split_part(t.ct_source, '.', 1),
        'requestParameters': t.ct_params::JSON, 'responseElements': NULL::JSON,
        'requestID': upper(substr(ct.m_ct, 1, 16)), 'eventID': uuid_of(ct.m_ct),
        'readOnly': t.read_only,
        'resources': [{{'accountId': '{account}', 'type': t.ct_rtype, 'ARN': t.ct_arn}}],
        'eventType': 'AwsApiCall', 'managementEvent': t.ct_category = 'Management',
        'recipientAccountId': '{account}', 'eventCategory': t.ct_category
    }})::VARCHAR AS line
    FROM (SELECT *, md5(concat_ws(':', 'task', {seed}, sid, j // {task})) AS m_task,
                 md5(concat_ws(':', 'cloudtrail', {seed}, sid, j)) AS m_ct
          FROM ct_calls WHERE ct_us >= {lo} AND ct_us < {hi}) AS ct
    JOIN streams AS s ON s.sid = ct.sid
    JOIN stream_tools AS t ON t.sid = ct.sid AND t.k = ct.k_tool
    JOIN stream_users AS u ON u.sid = ct.sid AND u.k = ct.k_user
    UNION ALL
    SELECT n.ct_us, 0, n.i, to_json({{
        'eventVersion': '1.11',
        'userIdentity': {{'type': 'IAMUser', 'principalId': 'AIDA' || upper(substr(md5(n.who), 1, 17)),
                         'arn': 'arn:aws:iam::{account}:user/people/' || n.who, 'accountId': '{account}',
                         'accessKeyId': 'ASIA' || upper(substr(md5('noise' || n.i), 1, 16)), 'userName': n.who}},
        'eventTime': ts_s(n.ct_us), 'eventSource': n.api[1], 'eventName': n.api[2], 'awsRegion': '{region}',
        'sourceIPAddress': '198.51.100.' || (10 + n.i % 40), 'userAgent': 'AWS Internal',
        'requestParameters': NULL::JSON, 'responseElements': NULL::JSON,
        'requestID': upper(substr(md5('noise-req' || n.i), 1, 16)), 'eventID': uuid_of(md5('noise-evt' || n.i)),
        'readOnly': true, 'eventType': 'AwsApiCall', 'managementEvent': true,
        'recipientAccountId': '{account}', 'eventCategory': 'Management'
    }})::VARCHAR
    FROM ct_noise AS n WHERE n.ct_us >= {lo} AND n.ct_us < {hi}
)
SELECT row_number() OVER (ORDER BY ct_us, sid, j) AS rn, ct_us, line FROM day
"""

# One delivered file: records first < rn <= last of the day, as {"Records": [...]}.
CT_FILE_SQL = """
SELECT line FROM (
    SELECT 0 AS part, 0 AS ord, '{{"Records":[' AS line
    UNION ALL
    SELECT 1, rn, line || CASE WHEN rn < {last} THEN ',' ELSE '' END FROM ct_day WHERE rn > {first} AND rn <= {last}
    UNION ALL
    SELECT 2, 0, ']}}'
) ORDER BY part, ord
"""
CT_FILE_RECORDS = 5_000  # CloudTrail delivers many small files a day; readers need not hold a huge one

RAW_LINES = "(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\\x1f')"  # one column, written verbatim
GZIP_WORKERS = 2
GZIP_LEVEL = 6


def _gzip_file(raw: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with raw.open("rb") as source, target.open("wb") as sink, \
            gzip.GzipFile(filename="", fileobj=sink, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as packed:
        shutil.copyfileobj(source, packed, 1 << 20)
    raw.unlink()


class GzipCopier:
    """Writes query results as gzipped text files. DuckDB renders the lines of one file while worker
    threads compress the previous ones (zlib releases the GIL); a file's bytes never depend on timing."""

    def __init__(self, con: duckdb.DuckDBPyConnection, work: Path) -> None:
        self.con, self.work = con, work
        self.pool = ThreadPoolExecutor(max_workers=GZIP_WORKERS)
        self.pending: deque[Future[None]] = deque()
        self.files = 0

    def copy(self, query: str, target: Path) -> None:
        raw = self.work / f"{self.files}.txt"  # a safe path to COPY into (no quoting of user paths)
        self.files += 1
        self.con.execute(f"COPY ({query}) TO '{raw}' {RAW_LINES}")
        while len(self.pending) >= GZIP_WORKERS:  # bounds the uncompressed files waiting on disk
            self.pending.popleft().result()
        self.pending.append(self.pool.submit(_gzip_file, raw, target))

    def close(self) -> None:
        try:
            for future in self.pending:
                future.result()
        finally:
            self.pool.shutdown()


def write_audit(out: Path, specs: Sequence[SystemSpec], as_of: date, events: int, seed: int) -> None:
    """Every audit file, rendered by DuckDB: one COPY per file, no event ever held in Python."""
    t0 = _at(as_of)
    streams = audit_streams(specs, as_of)
    allocate(streams, events)
    streams = [s for s in streams if s.n > 0]
    if not streams:
        return
    work = Path(tempfile.mkdtemp(prefix="mcp-sample-"))
    con = duckdb.connect()
    copier = GzipCopier(con, work)
    try:
        con.execute(f"SET temp_directory = '{work / 'spill'}'")
        con.execute("SET memory_limit = '3GB'")  # big estates spill to disk rather than grow
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = true")
        con.execute(STREAMS_DDL)
        con.execute(MACROS.format(seed=seed % 2_147_483_647))
        con.executemany("INSERT INTO streams VALUES (" + ", ".join("?" * 25) + ")",
                        [_stream_row(s, t0) for s in streams])
        con.executemany("INSERT INTO stream_tools VALUES (" + ", ".join("?" * 11) + ")",
                        [row for s in streams for row in _tool_rows(s)])
        con.executemany("INSERT INTO stream_users VALUES (?, ?, ?)", [
            (s.sid, k, user) for s in streams for k, user in enumerate(
                [email(u) for u in USERS[s.spec.unit]] + [f"{s.spec.id}-scheduled@workflows.{DOMAIN}"])])
        con.execute(CALLS_VIEW.format(seed=seed % 2_147_483_647, task=TASK_CALLS, anchors=ANCHOR_TASKS,
                                      lead=int(ANCHOR_LEAD.total_seconds() * 1e6),
                                      gap=int(ANCHOR_GAP.total_seconds() * 1e6)))
        bad_sid = next((s.sid for s in streams if s.spec.id == "customer-360" and s.fmt == "toolhive"),
                       next((s.sid for s in streams if s.fmt == "toolhive"), None))
        for stream in streams:
            sql = {"toolhive": TOOLHIVE_SQL, "otlp": OTLP_SQL, "jsonrpc_session": SESSION_SQL,
                   "jsonrpc_stateless": STATELESS_SQL}[stream.fmt]
            bad = ""
            if stream.sid == bad_sid:  # a line cut off mid-write, inside an otherwise good file
                middle = stream.start + (t0 - stream.start) / 2
                bad = (f"UNION ALL SELECT {int(middle.timestamp() * 1e6)}, 0.5, '{{\"time\":\"{_iso(middle)}\","
                       '"level":"AUDIT","msg":"audit_event","audit_id":"5f0c' + "'")
            query = sql.format(sid=stream.sid, joins=CALL_JOINS, idp=IDP, bad_line=bad, task=TASK_CALLS)
            copier.copy(query, out / stream.path)
        _write_cloudtrail(con, copier, out, t0, seed)
    finally:
        try:
            copier.close()
        finally:
            con.close()
            shutil.rmtree(work, ignore_errors=True)


def _write_cloudtrail(con: duckdb.DuckDBPyConnection, copier: GzipCopier, out: Path, t0: datetime,
                      seed: int) -> None:
    """CloudTrail as S3 delivers it: one gzipped {"Records": [...]} file per day."""
    con.execute(CT_CALLS_SQL)
    linked = con.execute("SELECT count(*) FROM ct_calls").fetchone()[0]  # type: ignore[index]
    start = int((t0 - timedelta(days=REVIEW_DAYS)).timestamp() * 1e6)
    span = REVIEW_DAYS * 86_400_000_000
    con.execute(CT_NOISE_SQL.format(start=start, span=span, n=max(20, linked // 60)))
    for offset in range(REVIEW_DAYS, 0, -1):
        day = t0 - timedelta(days=offset)
        lo, hi = int(day.timestamp() * 1e6), int((day + timedelta(days=1)).timestamp() * 1e6)
        con.execute(CT_DAY_SQL.format(lo=lo, hi=hi, seed=seed % 2_147_483_647, account=AWS_ACCOUNT,
                                      region=AWS_REGION, task=TASK_CALLS))
        records = con.execute("SELECT count(*) FROM ct_day").fetchone()[0]  # type: ignore[index]
        for first in range(0, records, CT_FILE_RECORDS):
            last = min(first + CT_FILE_RECORDS, records)
            starts = con.execute("SELECT ct_us FROM ct_day WHERE rn = ?", [first + 1]).fetchone()[0]  # type: ignore[index]
            stamp = datetime.fromtimestamp(starts / 1e6, UTC).strftime("%Y%m%dT%H%MZ")
            # the S3 object name CloudTrail uses, without its AWSLogs/<account>/... prefix folders
            name = f"{AWS_ACCOUNT}_CloudTrail_{AWS_REGION}_{stamp}_{_hex(16, seed, stamp, first)}.json.gz"
            copier.copy(CT_FILE_SQL.format(first=first, last=last), out / "audit" / "cloudtrail" / name)


def _gz_bytes(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as handle:  # no timestamp, no name: same bytes
        handle.write(data)
    return buffer.getvalue()


def digest_chain(trail: str, periods: Sequence[tuple[datetime, datetime, Sequence[tuple[str, bytes]]]], *,
                 sign: Callable[[bytes], str] | None = None) -> list[tuple[str, bytes, str]]:
    """CloudTrail digest files for `trail`, one per (start, end, log files) period, chained oldest first.

    Each log file is (file name, uncompressed content). Returns (path of the digest file, gzipped digest,
    signature hex) per digest, in the format of the AWS CloudTrail User Guide ("CloudTrail digest file
    structure"): logFiles[].hashValue is the SHA-256 of the uncompressed log file, previousDigestHashValue that
    of the uncompressed previous digest, and the signature is SHA256withRSA over the data-signing string the
    AWS CLI's validate-logs builds. Without `sign` the signature is a stand-in (the chain still carries it).
    """
    out: list[tuple[str, bytes, str]] = []
    previous: tuple[str, bytes, str] | None = None
    for start, end, logs in periods:
        folder = f"{AWS_REGION}/{end:%Y/%m/%d}"
        name = f"{AWS_ACCOUNT}_CloudTrail-Digest_{AWS_REGION}_{trail}_{AWS_REGION}_{end:%Y%m%dT%H%M%SZ}.json.gz"
        key = f"AWSLogs/{AWS_ACCOUNT}/CloudTrail-Digest/{folder}/{name}"
        document = {
            "awsAccountId": AWS_ACCOUNT, "digestStartTime": _iso(start), "digestEndTime": _iso(end),
            "digestS3Bucket": DIGEST_BUCKET, "digestS3Object": key,
            "digestPublicKeyFingerprint": hashlib.md5(f"{trail}-key".encode()).hexdigest(),
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": _iso(end), "oldestEventTime": _iso(start),
            "previousDigestS3Bucket": DIGEST_BUCKET if previous else None,
            "previousDigestS3Object": previous[0] if previous else None,
            "previousDigestHashValue": hashlib.sha256(previous[1]).hexdigest() if previous else None,
            "previousDigestHashAlgorithm": "SHA-256" if previous else None,
            "previousDigestSignature": previous[2] if previous else None,
            "logFiles": [{"s3Bucket": DIGEST_BUCKET,
                          "s3Object": f"AWSLogs/{AWS_ACCOUNT}/CloudTrail/{AWS_REGION}/{start:%Y/%m/%d}/{log_name}",
                          "hashValue": hashlib.sha256(content).hexdigest(), "hashAlgorithm": "SHA-256",
                          "newestEventTime": _iso(end), "oldestEventTime": _iso(start)}
                         for log_name, content in logs],
        }
        content = json.dumps(document, indent=2).encode()
        signed = (f"{document['digestEndTime']}\n{DIGEST_BUCKET}/{key}\n{hashlib.sha256(content).hexdigest()}\n"
                  f"{document['previousDigestSignature'] or 'null'}").encode()
        signature = sign(signed) if sign else hashlib.sha512(signed).hexdigest() * 4
        out.append((f"CloudTrail-Digest/{folder}/{name}", _gz_bytes(content), signature))
        previous = (key, content, signature)
    return out


def write_cloudtrail_digests(out: Path) -> None:
    """Digest files for the strong sinks' trail over every CloudTrail log file written (one per day), and a
    three-day chain for the broken trail with its middle digest deleted."""
    logs, folder = out / "audit" / "cloudtrail", out / "audit"  # CloudTrail-Digest/ beside cloudtrail/, as in S3
    by_day: dict[str, list[tuple[str, bytes]]] = {}
    for path in sorted(logs.glob(f"{AWS_ACCOUNT}_CloudTrail_*.json.gz")):
        by_day.setdefault(path.name.split("_")[3][:8], []).append((path.name, gzip.decompress(path.read_bytes())))
    days = [datetime.strptime(day, "%Y%m%d").replace(tzinfo=UTC) for day in sorted(by_day)]
    periods = [(day, day + timedelta(days=1), by_day[f"{day:%Y%m%d}"]) for day in days]
    for relative, data, _ in digest_chain(DIGEST_TRAIL, periods):
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    broken = digest_chain(BROKEN_DIGEST_TRAIL, [(day, day + timedelta(days=1), []) for day in days[-3:]])
    for n, (relative, data, _) in enumerate(broken):
        if n != 1 or len(broken) < 3:  # the deleted digest: the next one's previousDigestS3Object names it
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(data)


# -- the whole estate -----------------------------------------------------------------------------

GENERATED = ("inventory.yaml", "policy.yaml", "exceptions.yaml", "remediation.yaml", "README.md", "SCENARIOS.md",
             "connectors", "tool_listings", "credentials", "audit")


def generate(out: Path, *, systems: int = DEFAULT_SYSTEMS, events: int = DEFAULT_EVENTS, seed: int = DEFAULT_SEED,
             as_of: date = DEFAULT_AS_OF) -> None:
    """Write the estate as it stands on `as_of` to `out`, replacing what an earlier run wrote there."""
    if events < 0:
        raise ValueError("events must not be negative")
    specs = estate(systems, as_of)
    out.mkdir(parents=True, exist_ok=True)
    for name in GENERATED:  # only what this generator writes, so a time-travelled estate has no leftovers
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()

    for name, text in render_inventory(specs, as_of, seed).items():
        _write(out / name, text)
    listings: dict[str, str] = {}
    for spec in specs:
        for connector in spec.connectors:
            base = out / "connectors" / spec.id / connector.folder
            for relative, text in render_config(connector, spec, seed).items():
                _write(base / relative, text)
            for server in connector.servers:
                listings.setdefault(server.name, render_listing(server))
    if any(s.id == BROKEN_CONFIG[0] for s in specs):
        _write(out / "connectors" / BROKEN_CONFIG[0] / BROKEN_CONFIG[1], BROKEN_CONFIG[2])
    for name, text in sorted(listings.items()):
        _write(out / "tool_listings" / f"{name}.json", text)
    for relative, text in render_credentials(specs, as_of, seed).items():
        (_write_gz if relative.endswith(".gz") else _write)(out / relative, text)
    write_audit(out, specs, as_of, events, seed)
    write_cloudtrail_digests(out)
    _write(out / "SCENARIOS.md", render_scenarios(specs))
    _write(out / "README.md", render_readme(specs, as_of, events, seed))


# -- what the estate is meant to show -------------------------------------------------------------

def render_scenarios(specs: Sequence[SystemSpec]) -> str:
    lines = [
        "# Intended outcome per system",
        "",
        "Generated with the estate by `mcp_clearance.sample_estate` (the `SCENARIOS` and `TIMELINE` data in",
        "that module). Each system is built to show one outcome at the default as-of date; \"fails\" lists the",
        "checks meant to FAIL. *Insufficient evidence* means the verdict is BLOCKED because evidence is missing",
        "(UNKNOWN), not only because something failed.",
        "",
        "| system | unit | tier | client | intended verdict | checks meant to fail | how |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for spec in specs:
        scenario = scenario_of(spec.id)
        verdict = scenario.verdict + (" (insufficient evidence)" if scenario.insufficient else "")
        clients = ", ".join(dict.fromkeys(c.client for c in spec.connectors))
        lines.append(f"| {spec.id} | {spec.unit} | {scenario.tier} | {clients} | {verdict} | "
                     f"{', '.join(scenario.fails) or '-'} | {scenario.story} |")
    counts: dict[str, int] = {}
    for spec in specs:
        counts[scenario_of(spec.id).verdict] = counts.get(scenario_of(spec.id).verdict, 0) + 1
    present = {s.id for s in specs}
    lines += ["", "Totals: " + ", ".join(f"{v} {counts[v]}" for v in ("CLEARED", "READ_ONLY", "BLOCKED")
                                          if v in counts) + ".", "",
              "## Changes over time", "",
              "`--as-of` earlier than these dates gives the estate as it was before the change.", "",
              "| date | system | kind | change |", "| --- | --- | --- | --- |"]
    lines += [f"| {c.day.isoformat()} | {c.system} | {c.kind} | {c.what} |" for c in TIMELINE if c.system in present]
    lines += ["", "## Deliberately bad input (the quarantine)", "",
              "- `connectors/hr-records/backup/claude_desktop_config.json`: a JSON syntax error.",
              "- `credentials/other/credentials.csv`: one row with an impossible date (`2026-13-45`).",
              "- one ToolHive audit file (customer-360's when present): a line cut off mid-write.",
              "- exceptions: `EXC-2026-012` expired, `EXC-2026-040` covers nothing, `EXC-2026-044` names a system",
              "  that does not exist.", ""]
    return "\n".join(lines)


def render_readme(specs: Sequence[SystemSpec], as_of: date, events: int, seed: int) -> str:
    units = sorted({s.unit for s in specs})
    clients = sorted({c.client for s in specs for c in s.connectors})
    return f"""# Sample estate: Acme ({DOMAIN})

A fictional company's MCP estate, in the real formats MCP Clearance reads. Every secret, key, token,
account and person in it is fake.

- **{len(specs)} systems** in {len(units)} business units ({", ".join(units)}), all four risk tiers.
- **Connector configs** from {len(clients)} MCP clients ({", ".join(clients)}) under `connectors/<system>/`,
  with literal secrets planted in some (each in a real token shape, each marked `FAKE`) and secret references
  in the others; `tools/list` results with annotations in `tool_listings/`.
- **Credentials** from AWS (IAM credential report), GCP (service-account keys), Entra (app credentials),
  GitHub (fine-grained PATs), Vault (token lookups), Kubernetes (decoded token claims), SPIRE (registration
  entries), an OAuth IdP (decoded access tokens with RFC 8693 `act`) and a plain CSV.
- **Audit**: {events:,} tool calls over the 30 days before {as_of.isoformat()}: ToolHive gateway events,
  OTLP traces, raw JSON-RPC captures (session and 2026-07-28 styles), and the CloudTrail events they caused.
- The YAML a person writes: `inventory.yaml`, `policy.yaml` (looser and stricter than the defaults),
  `exceptions.yaml` (valid, expired, unused, unknown system) and `remediation.yaml`.

What each system is built to show: [SCENARIOS.md](SCENARIOS.md).

## Regenerate

The folder is generated, never edited by hand; a test checks that it equals a fresh run.

```
python -m mcp_clearance.sample_estate --out sample_data
# the same as: mcp-clearance generate sample_data --systems {len(specs)} --events {events} --seed {seed} --as-of {as_of}
```

`--as-of` moves the estate through time (earlier dates show the problems that were fixed later);
`--systems` and `--events` scale it (past {len(SCENARIOS)} systems, regional copies are added).
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcp_clearance.sample_estate",
                                     description="Write Acme's sample MCP estate (deterministic).")
    parser.add_argument("--out", type=Path, default=Path("sample_data"), help="folder to write (default: sample_data)")
    parser.add_argument("--systems", type=int, default=DEFAULT_SYSTEMS)
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS, help="tool calls in the audit logs")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF, help="YYYY-MM-DD")
    args = parser.parse_args(argv)
    generate(args.out, systems=args.systems, events=args.events, seed=args.seed, as_of=args.as_of)
    print(f"wrote {args.out}: {args.systems} systems, {args.events:,} tool calls, as of {args.as_of}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
