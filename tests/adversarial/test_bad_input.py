"""Bad input never stops a run or empties it (issue 9, "Bad input that stops or empties a run").

Every case plants one bad thing in a copy of a small clean estate and asserts, against a clean
load of the same estate: no exception escapes; the bad record (or file) is quarantined with its
file, its line where it has one, and a reason that does not quote the planted value; every other
row of the same file and of the other files still loads; and the exit code says "quarantined".
The expected answers come from the rules (docs/limits.md, docs/estate.md), not from a run.
Most cases go through the pipeline `run` and `validate` share (fast, in memory); a representative
subset goes through the command line in a child process.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

# tests/adversarial/ is no package: pytest puts this folder on sys.path, so the shared cases import by name
from _bad_input_cases import (
    CLI,
    CURSOR,
    DESKTOP,
    FIXTURES,
    INVENTORY,
    POLICY,
    Loaded,
    build_estate,
    cli,
    load,
    write,
)

from mcp_clearance.estate import DEFAULT_SLA_DAYS, DEFAULT_THRESHOLDS
from mcp_clearance.run import run, validate

DEFAULT_GRACE_S, DEFAULT_REVIEW_DAYS = 3600, 30
POLICY_COLUMNS = ("max_credential_lifetime_s", "static_secrets_allowed", "static_rotation_days", "write_tools",
                  "agent_coverage", "user_coverage", "target_linkage", "retention_days", "review_window_days",
                  "task_credential_grace_s", "remediation_sla_days")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_estate(tmp_path_factory.mktemp("clean") / "estate")


@pytest.fixture(scope="module")
def clean(template: Path) -> Loaded:
    loaded = load(template)
    assert loaded.quarantine == [], "the base estate must be clean for the comparisons to mean anything"
    assert all(loaded.counts[t] > 0 for t in loaded.counts), loaded.counts
    return loaded


@pytest.fixture
def estate(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "estate", symlinks=True))


def replace_nth(text: str, old: str, new: str, n: int) -> str:
    """`text` with the n-th (0-based) occurrence of `old` replaced."""
    starts = [m.start() for m in re.finditer(re.escape(old), text)]
    start = starts[n]
    return text[:start] + new + text[start + len(old):]


def line_of(text: str, needle: str, n: int = 0) -> int:
    starts = [m.start() for m in re.finditer(re.escape(needle), text)]
    return text.count("\n", 0, starts[n]) + 1


def assert_quotes_nothing(planted: str, *texts: str) -> None:
    """The planted value (or, when long, any 12-character piece of it) appears in none of `texts`.

    Values under 6 characters ("-1", "7") are skipped: they occur in ordinary reasons by chance.
    """
    if len(planted) < 6:
        return
    pieces = {planted} if len(planted) <= 12 else {planted[i:i + 12] for i in range(0, len(planted) - 11, 6)}
    for text in texts:
        for piece in pieces:
            assert piece not in text, f"planted value quoted: {piece!r} in {text[:200]!r}"


def expect_counts(clean: Loaded, loaded: Loaded, **fewer: int) -> None:
    expected = {table: count - fewer.get(table, 0) for table, count in clean.counts.items()}
    assert loaded.counts == expected


def only_quarantine(loaded: Loaded, file: str) -> list[tuple[str, str, int | None, str]]:
    rows = [q for q in loaded.quarantine if q[0] == file]
    assert rows and len(rows) == len(loaded.quarantine), loaded.quarantine
    return rows


# inventory.yaml, exceptions.yaml, remediation.yaml: one bad value quarantines its record only ------

OUT_OF_RANGE_COUNTS = ["99999999999", "-1", "1" * 5000, "999999999999999999999999", "3.5", "36501", "'30'", "true",
                       "1e400", ".nan", ".inf", "[1]", "{a: 1}", "0x" + "f" * 200]


@pytest.mark.parametrize("value", OUT_OF_RANGE_COUNTS)
def test_a_bad_retention_in_one_system_quarantines_that_system_only(value: str, estate: Path, clean: Loaded) -> None:
    text = replace_nth(INVENTORY, "retention_days: 400", f"retention_days: {value}", 1)
    write(estate / "inventory.yaml", text)
    loaded = load(estate)
    # sys-2 is set aside, and with it the connector assignment that names it (fail closed)
    expect_counts(clean, loaded, systems=1, log_sinks=1, connector_assignments=1)
    rows = only_quarantine(loaded, "inventory.yaml")
    assert rows[0][1:3] == ("inventory", line_of(text, "retention_days", 1))
    assert rows[0][3].startswith("systems[1].log_sinks[0].retention_days: ")
    assert any("unknown system" in r[3] for r in rows[1:])
    assert len(rows) == 2
    assert_quotes_nothing(value, *(r[3] for r in rows))


@pytest.mark.parametrize("field, value", [
    ("tier", "7"), ("tier", "1.5"), ("tier", "1" * 5000), ("name", "x" * 5000), ("data_classes", "[]"),
    ("environment", "prod" * 1000), ("team", "'" + "a b" * 40 + "'"),
])
def test_a_bad_field_in_one_system_quarantines_that_system_only(field: str, value: str, estate: Path,
                                                                  clean: Loaded) -> None:
    lines = INVENTORY.split("\n")
    anchor = lines.index("  - id: sys-3")
    if field == "tier":
        index = anchor + 1
        lines.insert(index, f"    tier: {value}\n    tier_reason: planted")
    else:
        index = next(i for i in range(anchor, len(lines)) if lines[i].startswith(f"    {field}:"))
        lines[index] = f"    {field}: {value}"
    write(estate / "inventory.yaml", "\n".join(lines))
    loaded = load(estate)
    expect_counts(clean, loaded, systems=1, log_sinks=1, connector_assignments=1)
    rows = only_quarantine(loaded, "inventory.yaml")
    assert rows[0][3].startswith(f"systems[2].{field}")
    assert rows[0][2] == index + 1
    assert_quotes_nothing(value, *(r[3] for r in rows))


BAD_DATES = ["0000-01-01", "2026-02-30", "2026-13-01", "99999-01-01", "1969-12-31", "2200-01-01", "1" * 5000, "-5",
             "2026-10-01T25:00:00Z", "tomorrow"]


@pytest.mark.parametrize("value", BAD_DATES)
def test_a_bad_exception_date_quarantines_that_exception_only(value: str, estate: Path, clean: Loaded) -> None:
    text = replace_nth((estate / "exceptions.yaml").read_text(), "created: 2026-10-01", f"created: {value}", 1)
    write(estate / "exceptions.yaml", text)
    loaded = load(estate)
    expect_counts(clean, loaded, exceptions=1)
    [row] = only_quarantine(loaded, "exceptions.yaml")
    assert row[1:3] == ("inventory", line_of(text, "created:", 1))
    assert row[3].startswith("exceptions[1].created: ")
    assert_quotes_nothing(value, row[3])


@pytest.mark.parametrize("value", BAD_DATES)
def test_a_bad_ticket_due_date_quarantines_that_ticket_only(value: str, estate: Path, clean: Loaded) -> None:
    text = replace_nth((estate / "remediation.yaml").read_text(), "due: 2026-12-15", f"due: {value}", 2)
    write(estate / "remediation.yaml", text)
    loaded = load(estate)
    expect_counts(clean, loaded, remediation_tickets=1)
    [row] = only_quarantine(loaded, "remediation.yaml")
    assert row[1:3] == ("inventory", line_of(text, "due:", 2))
    assert row[3].startswith("tickets[2].due: ")
    assert_quotes_nothing(value, row[3])


# policy.yaml: a bad value falls back to the strict default of that field alone ----------------------

def default_row(tier: int) -> dict[str, object]:
    t = DEFAULT_THRESHOLDS[tier]
    return {"max_credential_lifetime_s": t.max_credential_lifetime_s,
            "static_secrets_allowed": t.static_secrets_allowed, "static_rotation_days": t.static_rotation_days,
            "write_tools": t.write_tools,
            "agent_coverage": t.agent_coverage, "user_coverage": t.user_coverage, "target_linkage": t.target_linkage,
            "retention_days": t.retention_days, "review_window_days": DEFAULT_REVIEW_DAYS,
            "task_credential_grace_s": DEFAULT_GRACE_S, "remediation_sla_days": DEFAULT_SLA_DAYS[tier]}


POLICY_FIELDS = [
    # (text in POLICY, the key that replaces it, field path reported, tiers that fall back, column, bad values)
    ("max_credential_lifetime: 30m", "max_credential_lifetime", "tiers.1.max_credential_lifetime", [1],
     "max_credential_lifetime_s", ["999999999999999999999999d", "99999999999", "-5", "0", "forever", "3.5", "1" * 5000,
                                   "3651d", "'" + "9" * 30 + "s'", "true", "[30m]"]),
    ("retention_days: 120", "retention_days", "tiers.3.retention_days", [3], "retention_days",
     ["99999999999", "-1", "2.5", "1" * 5000, "'120'", "36501"]),
    ("agent_coverage: 97", "agent_coverage", "tiers.3.agent_coverage", [3], "agent_coverage",
     ["150", "-1", ".nan", ".inf", "'97'", "1e400"]),
    ("review_window_days: 45", "review_window_days", "review_window_days", [1, 2, 3, 4], "review_window_days",
     ["0", "99999999999", "1.5", "1" * 5000, "-30"]),
    ("task_credential_grace: 2h", "task_credential_grace", "task_credential_grace", [1, 2, 3, 4],
     "task_credential_grace_s", ["99999999999999999999h", "-1", "1e9h", "3.5", "3651d"]),
    ("{1: 5, 2: 10}", "{1", "remediation_sla_days.1", [1], "remediation_sla_days",
     ["-3", "99999999999", "2.5", "0", "1" * 5000]),
]
POLICY_CASES = [(old, f"{key}: {value}" + (", 2: 10}" if key == "{1" else ""), value, field, tiers, column)
                for old, key, field, tiers, column, values in POLICY_FIELDS for value in values]


@pytest.mark.parametrize("old, new, value, field, tiers, column", POLICY_CASES)
def test_a_bad_policy_value_falls_back_to_the_default_of_that_field_alone(
        old: str, new: str, value: str, field: str, tiers: list[int], column: str, estate: Path,
        clean: Loaded) -> None:
    text = POLICY.replace(old, new)
    write(estate / "policy.yaml", text)
    loaded = load(estate)
    expect_counts(clean, loaded)
    [row] = only_quarantine(loaded, "policy.yaml")
    assert row[2] == line_of(text, new)
    assert row[3].startswith(f"{field}: ") and row[3].endswith("the default applies")
    assert_quotes_nothing(value, row[3])
    index = POLICY_COLUMNS.index(column)
    for tier, values in loaded.policy.items():
        expected = list(clean.policy[tier])
        if tier in tiers:
            expected[index] = default_row(tier)[column]
        assert list(values) == expected, (tier, column)


def test_an_unknown_tier_in_the_policy_is_dropped_and_the_rest_applies(estate: Path, clean: Loaded) -> None:
    write(estate / "policy.yaml", POLICY.replace("tiers:\n", "tiers:\n  9:\n    retention_days: 1\n"))
    loaded = load(estate)
    [row] = only_quarantine(loaded, "policy.yaml")
    assert row[3].startswith("tiers.9")
    assert loaded.policy == clean.policy


# Documents that cannot be read at all: that file is quarantined, every other file loads --------------

def deep_yaml(levels: int) -> str:
    return "systems:\n  - id: deep\n    name: " + "[" * levels + "]" * levels + "\n"


ALIAS_BOMB = "".join(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9 if i else ['"lol"'] * 9)
                     + "]\n" for i in range(9))

UNREADABLE_ESTATE_YAML = [
    ("deep flow", deep_yaml(20_000)),
    ("deep block", "systems:\n" + "".join("  " * i + "- \n" for i in range(1, 400))),
    ("alias bomb", ALIAS_BOMB),
    ("recursive alias", "systems: &s [*s]\n"),
    ("syntax", "systems:\n  - id: [unclosed\n"),
    ("two documents", "systems: []\n---\nsystems: []\n"),
    ("python tag", "systems: !!python/object/apply:os.system ['true']\n"),
    ("not utf-8", b"systems:\n  - id: \xff\xfe\n"),
    ("not a mapping", "- just\n- a list\n"),
]


@pytest.mark.parametrize("label, text", UNREADABLE_ESTATE_YAML, ids=[c[0] for c in UNREADABLE_ESTATE_YAML])
def test_an_unreadable_inventory_is_quarantined_and_the_other_families_load(
        label: str, text: str | bytes, estate: Path, clean: Loaded) -> None:
    write(estate / "inventory.yaml", text)
    loaded = load(estate)
    assert loaded.counts["systems"] == loaded.counts["agents"] == loaded.counts["connector_assignments"] == 0
    for table in ("policy_thresholds", "exceptions", "remediation_tickets", "connector_servers", "tools",
                  "credentials", "tool_calls"):
        assert loaded.counts[table] == clean.counts[table], table
    rows = only_quarantine(loaded, "inventory.yaml")
    assert len(rows) == 1 and "Traceback" not in rows[0][3] and "unexpected" not in rows[0][3].lower()
    if label in ("deep flow", "deep block", "alias bomb", "recursive alias", "syntax"):
        assert rows[0][2] is not None, "the line of the problem is known"


@pytest.mark.parametrize("label, text", UNREADABLE_ESTATE_YAML[:6], ids=[c[0] for c in UNREADABLE_ESTATE_YAML[:6]])
def test_an_unreadable_policy_leaves_every_strict_default(label: str, text: str, estate: Path, clean: Loaded) -> None:
    write(estate / "policy.yaml", text.replace("systems", "tiers"))
    loaded = load(estate)
    expect_counts(clean, loaded)
    assert len(only_quarantine(loaded, "policy.yaml")) == 1
    for tier, values in loaded.policy.items():
        assert dict(zip(POLICY_COLUMNS, values, strict=True)) == default_row(tier)


# Client configs, tool listings and credentials with nesting, integers or sizes over the limits --------

def deep_json(levels: int) -> str:
    return '{"mcpServers": {"x": {"command": "npx", "args": ' + "[" * levels + "]" * levels + "}}}"


DESKTOP_FILE = "connectors/desktop/claude_desktop_config.json"
VAULT = (FIXTURES / "credentials/vault/token_lookup.json").read_text()
assert '"renewable": false' in VAULT and '"lease_duration": 0' in VAULT
OVER_LIMIT_CONFIGS = [
    ("json nested 20,000 deep", DESKTOP_FILE, deep_json(20_000), "nested deeper than 100 levels"),
    ("json nested 101 deep", DESKTOP_FILE, deep_json(101), "nested deeper than 100 levels"),
    ("json 5,000-digit integer", DESKTOP_FILE, DESKTOP.replace('"Ctrl+Space"', "1" * 5000), "more than 100 digits"),
    ("jsonc nested deep", DESKTOP_FILE, "// c\n" + deep_json(5_000), "nested deeper than 100 levels"),
    ("yaml nested deep", "connectors/continue/config.yaml",
     "mcpServers:\n  - name: x\n    args: " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper than 100 levels"),
    ("yaml undefined alias", "connectors/continue/config.yaml", "mcpServers:\n  - name: x\n    args: *nowhere\n",
     "YAML syntax error at line 3"),
    ("yaml alias bomb after the anchors", "connectors/continue/config.yaml",
     ALIAS_BOMB + "mcpServers:\n  - name: x\n    command: npx\n    args: *i\n", "nodes with aliases expanded"),
    ("tool listing nested deep", "tool_listings/github.json", '{"tools": ' + "[" * 3000 + "]" * 3000 + "}",
     "nested deeper than 100 levels"),
    ("tool listing 5,000-digit integer", "tool_listings/github.json", '{"tools": [], "n": ' + "7" * 5000 + "}",
     "more than 100 digits"),
    ("credential nested deep", "credentials/vault/token_lookup.json",
     VAULT.replace('"renewable": false', '"renewable": ' + "[" * 3000 + "]" * 3000), "nested deeper than 100 levels"),
    ("credential 5,000-digit integer", "credentials/vault/token_lookup.json",
     VAULT.replace('"lease_duration": 0', '"lease_duration": ' + "3" * 5000), "more than 100 digits"),
    ("toml 5,000-digit integer", "connectors/codex/.codex/config.toml",
     "[mcp_servers.x]\ncommand = \"npx\"\nstartup_timeout_sec = " + "9" * 5000 + "\n", "TOML document refused"),
]
TABLE_OF = {"connectors": "connector_servers", "tool_listings": "tools", "credentials": "credentials"}
ROWS_IN = {DESKTOP_FILE: 2, "connectors/continue/config.yaml": 2, "tool_listings/github.json": 2,
           "credentials/vault/token_lookup.json": 1}


@pytest.mark.parametrize("label, file, text, reason", OVER_LIMIT_CONFIGS, ids=[c[0] for c in OVER_LIMIT_CONFIGS])
def test_a_config_over_a_limit_is_quarantined_and_everything_else_loads(
        label: str, file: str, text: str, reason: str, estate: Path, clean: Loaded) -> None:
    write(estate / file, text)
    loaded = load(estate)
    family = file.split("/")[0]
    expect_counts(clean, loaded, **{TABLE_OF[family]: ROWS_IN.get(file, 0)})
    [row] = only_quarantine(loaded, file)
    assert row[1] == family and reason in row[3]
    assert "RecursionError" not in row[3] and "parser failed" not in row[3]


def gzip_of_size(prefix: bytes, filler: bytes, size: int, suffix: bytes = b"") -> bytes:
    """A gzip stream of `size` decompressed bytes, written in pieces so the test never holds `size` bytes."""
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = filler * (1024 * 1024 // len(filler))
    parts, written = [packer.compress(prefix)], len(prefix)
    while written + len(chunk) <= size - len(suffix):
        parts.append(packer.compress(chunk))
        written += len(chunk)
    parts += [packer.compress(filler[:1] * (size - len(suffix) - written)), packer.compress(suffix), packer.flush()]
    return b"".join(parts)


def test_the_whole_file_limit_is_on_the_decompressed_size(estate: Path, clean: Loaded) -> None:
    # 17 MiB of JSON whitespace inside a valid config: small on disk, over 16 MiB once decompressed
    body = DESKTOP.encode()
    bomb = gzip_of_size(body[:1], b" ", 17 * 1024 * 1024, body[1:])
    assert len(bomb) < 100_000
    bombed = "connectors/desktop/second_config.json.gz"
    write(estate / bombed, bomb)
    loaded = load(estate)
    expect_counts(clean, loaded)
    [row] = only_quarantine(loaded, bombed)
    assert row[3] == "file is over the 16 MiB limit for its kind (decompressed size); not read (see docs/limits.md)"
    # just under the limit the same file loads: its two servers join the clean estate's
    write(estate / bombed, gzip_of_size(body[:1], b" ", 15 * 1024 * 1024, body[1:]))
    loaded = load(estate)
    assert loaded.quarantine == []
    expect_counts(clean, loaded, connector_servers=-2)


def test_an_audit_gzip_over_the_streamed_limit_is_refused_before_duckdb_reads_it(estate: Path, clean: Loaded) -> None:
    line = (estate / "audit/toolhive/gateway.audit.jsonl.gz").read_bytes()
    import gzip

    first = gzip.decompress(line).splitlines(keepends=True)[0]
    write(estate / "audit/toolhive/bomb.audit.jsonl.gz", gzip_of_size(first, first, 65 * 1024 * 1024))
    loaded = load(estate)
    expect_counts(clean, loaded)
    [row] = only_quarantine(loaded, "audit/toolhive/bomb.audit.jsonl.gz")
    assert row[3] == "file is over the 64 MiB limit for its kind (decompressed size); not read (see docs/limits.md)"


# Symbolic links: never followed out of the estate -------------------------------------------------------

def test_links_out_of_the_estate_are_quarantined_and_never_read(estate: Path, clean: Loaded, tmp_path: Path) -> None:
    outside = write(tmp_path / "outside" / "secret.json", '{"mcpServers": {"leak": {"command": "cat"}}}')
    os.symlink(outside, estate / "connectors/desktop/secret.json")
    os.symlink(tmp_path / "outside", estate / "connectors/outside-dir")
    os.symlink("../../../outside/secret.json", estate / "credentials/vault/relative.json")
    os.symlink("../../..", estate / "audit/toolhive/up")
    os.symlink("/etc/passwd", estate / "tool_listings/passwd.json")
    os.symlink("/etc", estate / "audit/etc")
    loaded = load(estate)
    expect_counts(clean, loaded)
    links = {"connectors/desktop/secret.json", "connectors/outside-dir", "credentials/vault/relative.json",
             "audit/toolhive/up", "tool_listings/passwd.json", "audit/etc"}
    assert {(q[0], q[3]) for q in loaded.quarantine} == {
        (link, "symbolic link to outside the estate, not followed") for link in links}
    digests = {hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in (outside, "/etc/passwd")}
    assert not digests & {s[6] for s in loaded.sources}
    assert not any(q[0].startswith("/") or "outside/" in q[0] for q in loaded.quarantine)  # the links' own paths


def test_links_inside_the_estate_are_followed_once(estate: Path, clean: Loaded) -> None:
    os.symlink("../desktop", estate / "connectors/cursor/desktop-again")  # a second way to the same files
    os.symlink(".", estate / "connectors/continue/loop")  # a loop
    os.symlink("claude_desktop_config.json", estate / "connectors/desktop/alias.json")
    loaded = load(estate)
    assert loaded.counts == clean.counts and loaded.quarantine == []


def test_a_linked_estate_file_outside_the_estate_is_not_read(estate: Path, clean: Loaded, tmp_path: Path) -> None:
    outside = write(tmp_path / "elsewhere.yaml", "tiers:\n  1:\n    max_credential_lifetime: 3650d\n")
    (estate / "policy.yaml").unlink()
    os.symlink(outside, estate / "policy.yaml")
    loaded = load(estate)
    [row] = only_quarantine(loaded, "policy.yaml")
    assert row[3] == "symbolic link to outside the estate, not followed"
    for tier, values in loaded.policy.items():  # the looser lifetime was never applied
        assert dict(zip(POLICY_COLUMNS, values, strict=True)) == default_row(tier)


# JSON with comments, for clients that read strict JSON ----------------------------------------------------

JSONC_CASES = [
    ("desktop comment", DESKTOP_FILE, DESKTOP.replace('  "mcpServers"', '  // the servers\n  "mcpServers"'),
     3, "Claude Desktop"),
    ("desktop trailing comma", DESKTOP_FILE, DESKTOP.replace('"/srv"]}', '"/srv"]},'), 6, "Claude Desktop"),
    ("desktop block comment", DESKTOP_FILE, DESKTOP.replace('"fetch"', '/* pinned */ "fetch"'), 4, "Claude Desktop"),
    ("cursor comment", "connectors/cursor/.cursor/mcp.json", "// cursor\n" + CURSOR, 1, "Cursor"),
    ("cursor trailing comma", "connectors/cursor/.cursor/mcp.json", CURSOR.replace("}}\n", "}},\n"), 4, "Cursor"),
]


@pytest.mark.parametrize("label, file, text, line, client", JSONC_CASES, ids=[c[0] for c in JSONC_CASES])
def test_jsonc_for_a_strict_json_client_loads_with_a_warning(label: str, file: str, text: str, line: int, client: str,
                                                            estate: Path, clean: Loaded) -> None:
    write(estate / file, text)
    loaded = load(estate)
    expect_counts(clean, loaded)  # every server still counts as loaded
    [row] = only_quarantine(loaded, file)
    assert row[1:] == ("connectors", line, f"warning: {client} reads strict JSON and will reject this file (a comment "
                                           "or trailing comma); its servers are loaded here anyway")
    source = next(s for s in loaded.sources if s[0] == file)
    assert source[3] == (2 if client == "Claude Desktop" else 1) and source[4] == 1


def test_jsonc_for_vs_code_is_no_problem(estate: Path, clean: Loaded) -> None:
    write(estate / "connectors/vscode/.vscode/mcp.json",
          '{\n  // VS Code reads JSONC\n'
          '  "servers": {"git": {"type": "stdio", "command": "uvx", "args": ["mcp-git"],},},\n}\n')
    loaded = load(estate)
    assert loaded.quarantine == []
    assert loaded.counts["connector_servers"] == clean.counts["connector_servers"] + 1


# Connector globs that can never match, or match nothing ---------------------------------------------------

GLOB_SECRET = "ghp_PLANTEDglobTOKEN0123456789abcdefABCDEF"
GLOBS = [
    ("/etc/*.json", "can never match"),
    ("../outside/*.json", "can never match"),
    ("connectors\\\\desktop\\\\*.json", "can never match"),
    ("C:/Users/*.json", "can never match"),
    ("audit/*.json", "can never match"),
    ("connectors/nothing-here/*.json", "matches no file under connectors/"),
    (f"connectors/{GLOB_SECRET}/*.json", "matches no file under connectors/"),
]


@pytest.mark.parametrize("glob, problem", GLOBS)
def test_a_connector_glob_that_matches_nothing_is_reported(glob: str, problem: str, estate: Path,
                                                           clean: Loaded) -> None:
    text = INVENTORY + f'  - config: "{glob}"\n    system: sys-1\n    agent: agent-a\n'
    write(estate / "inventory.yaml", text)
    loaded = load(estate)
    expect_counts(clean, loaded, connector_assignments=-1)
    [row] = only_quarantine(loaded, "inventory.yaml")
    assert row[2] == text.count("\n") - 2
    assert row[3] == (f"connectors[3].config: warning: the config glob for system sys-1 {problem}"
                      + ("" if problem.startswith("matches") else
                         ": a config glob is a path relative to the estate folder, with / separators and no '..', "
                         "under connectors/") + "; no connector is assigned by it")
    assert_quotes_nothing(glob.split("/")[1] if "/" in glob else glob, row[3])


# Exit codes and output through the command line ------------------------------------------------------------

def plant_retention(estate: Path) -> str:
    value = "99999999999999999999999"
    write(estate / "inventory.yaml", replace_nth(INVENTORY, "retention_days: 400", f"retention_days: {value}", 0))
    return value


def plant_deep_config(estate: Path) -> str:
    write(estate / DESKTOP_FILE, deep_json(20_000))
    return "[[[[[[[[[[[["


def plant_policy_lifetime(estate: Path) -> str:
    value = "888888888888888888888888d"
    write(estate / "policy.yaml", POLICY.replace("30m", value))
    return value


def plant_big_int(estate: Path) -> str:
    value = "4" * 5000
    write(estate / "exceptions.yaml", (estate / "exceptions.yaml").read_text().replace("2027-01-31", value, 1))
    return value


def plant_link(estate: Path) -> str:
    os.symlink("/etc/passwd", estate / "connectors/desktop/passwd.json")
    return "/etc/passwd"


PLANTS: list[Callable[[Path], str]] = [plant_retention, plant_deep_config, plant_policy_lifetime, plant_big_int,
                                       plant_link]


@pytest.mark.parametrize("plant", PLANTS, ids=[p.__name__ for p in PLANTS])
def test_the_command_line_finishes_with_exit_1_and_quotes_nothing(plant: Callable[[Path], str], estate: Path,
                                                                 tmp_path: Path) -> None:
    planted = plant(estate)
    for args in (["validate", str(estate)], ["run", str(estate), "--db", str(tmp_path / "out.duckdb")]):
        code, out, err, _ = cli(*args)
        assert code == 1, (args, out, err)
        assert "Traceback" not in out + err and "unexpected" not in (out + err).lower()
        assert "Quarantined" in out or "problem" in out
        assert_quotes_nothing(planted, out, err)
    assert (tmp_path / "out.duckdb").exists()


def test_exit_codes_clean_and_could_not_run(estate: Path, tmp_path: Path) -> None:
    code, out, err, _ = cli("validate", str(estate))
    assert code == 0, out + err
    code, out, err, _ = cli("run", str(estate), "--db", str(tmp_path / "e.duckdb"))
    assert code == 0, out + err
    code, out, err, _ = cli("validate", str(tmp_path / "no-such-estate"))
    assert code == 2 and "Traceback" not in out + err
    assert CLI.exists()


def test_run_and_validate_api_report_the_same_quarantine(estate: Path, tmp_path: Path) -> None:
    planted = plant_policy_lifetime(estate)
    checked = validate(estate)
    published = run(estate, tmp_path / "api.duckdb")
    assert checked.quarantine == published.quarantine and len(checked.quarantine) == 1
    assert_quotes_nothing(planted, checked.quarantine[0][3])
