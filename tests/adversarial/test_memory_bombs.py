"""Every bomb finishes, is quarantined, and the process stays under 1 GB (issue 9).

Each case runs `mcp-clearance validate` (and one `run`) on a small clean estate with one bomb
planted, as a child process. Its peak resident memory is read from its own rusage (os.wait4);
RLIMIT_AS caps its address space as a safety net, set well above 1 GB because DuckDB reserves
far more address space than it touches. Every bomb is a few KB to ~1 MB on disk and would take
more than 1 GB if read without bounds: a 1 GiB gzip, an alias bomb of 9^9 nodes, nesting that
makes the parsers recurse 20,000 levels.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

# tests/adversarial/ is no package: pytest puts this folder on sys.path, so the shared cases import by name
from _bad_input_cases import CONTINUE, INVENTORY, build_estate, cli, gzip_bomb, write

ONE_GB = 1_000_000_000
ADDRESS_SPACE_CAP = 8 * 1024**3  # a safety net for a regression, not the measurement
ALIAS_BOMB = "".join(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9 if i else ['"lol"'] * 9)
                     + "]\n" for i in range(9))  # 9 levels of 9 aliases: 387,420,489 strings when expanded


def toolhive_line(estate: Path) -> bytes:
    import gzip

    return gzip.decompress((estate / "audit/toolhive/gateway.audit.jsonl.gz").read_bytes()).splitlines(True)[0]


def continue_alias_bomb(estate: Path) -> tuple[str, str]:
    write(estate / "connectors/continue/bomb.yaml", ALIAS_BOMB + "mcpServers:\n  - name: boom\n    command: npx\n"
          "    args: *i\n")
    assert (estate / "connectors/continue/bomb.yaml").stat().st_size < 1000
    return "connectors/continue/bomb.yaml", "nodes with aliases expanded"


def inventory_alias_bomb(estate: Path) -> tuple[str, str]:
    write(estate / "inventory.yaml", ALIAS_BOMB + INVENTORY.replace("systems:\n", "systems:\n  - *i\n", 1))
    return "inventory.yaml", "nodes with aliases expanded"


def config_gzip_bomb(estate: Path) -> tuple[str, str]:
    bomb = gzip_bomb(b'{"mcpServers": {"x": {"command": "npx"}}, "padding": "', b"a", 1024, b'"}')
    assert len(bomb) < 2_000_000
    write(estate / "connectors/desktop/bomb_config.json.gz", bomb)
    return "connectors/desktop/bomb_config.json.gz", "over the 16 MiB limit"


def audit_gzip_bomb(estate: Path) -> tuple[str, str]:
    line = toolhive_line(estate)
    write(estate / "audit/toolhive/bomb.audit.jsonl.gz", gzip_bomb(line, line, 1024))
    return "audit/toolhive/bomb.audit.jsonl.gz", "over the 64 MiB limit"


def credential_gzip_bomb(estate: Path) -> tuple[str, str]:
    write(estate / "credentials/vault/bomb.json.gz", gzip_bomb(b'{"data": {"id": "', b"x", 1024, b'"}}'))
    return "credentials/vault/bomb.json.gz", "over the 16 MiB limit"


def deep_json(estate: Path) -> tuple[str, str]:
    depth = 200_000
    write(estate / "connectors/desktop/deep_config.json",
          '{"mcpServers": {"x": {"command": "npx", "args": ' + "[" * depth + "]" * depth + "}}}")
    return "connectors/desktop/deep_config.json", "nested deeper than 100 levels"


def deep_yaml(estate: Path) -> tuple[str, str]:
    depth = 200_000
    write(estate / "exceptions.yaml", "exceptions: " + "[" * depth + "]" * depth + "\n")
    return "exceptions.yaml", "nested deeper than 100 levels"


def long_integers(estate: Path) -> tuple[str, str]:
    servers = ", ".join(f'"s{i}": {{"command": "npx", "timeout": {"9" * 5000}}}' for i in range(200))
    write(estate / "connectors/desktop/digits_config.json", '{"mcpServers": {' + servers + "}}")
    return "connectors/desktop/digits_config.json", "more than 100 digits"


def long_integers_yaml(estate: Path) -> tuple[str, str]:
    lines = "".join(f"  - {{check: ID-03, system: sys-1, owner: o, ticket: T-{i}, due: {'7' * 5000}}}\n"
                    for i in range(300))
    write(estate / "remediation.yaml", "tickets:\n" + lines)
    return "remediation.yaml", "tickets[0].due"


def huge_audit_line(estate: Path) -> tuple[str, str]:
    line = toolhive_line(estate)
    huge = b'{"padding": "' + b"z" * (40 * 1024 * 1024) + b'"}\n'
    write(estate / "audit/toolhive/huge.audit.jsonl", line + huge + line)
    return "audit/toolhive/huge.audit.jsonl", "line too long"


def huge_config_string(estate: Path) -> tuple[str, str]:
    text = CONTINUE.replace('args: ["-y", ', 'args: ["' + "q" * (15 * 1024 * 1024) + '", "-y", ', 1)
    assert text != CONTINUE
    write(estate / "connectors/continue/config.yaml", text)
    return "connectors/continue/config.yaml", ""


BOMBS: list[Callable[[Path], tuple[str, str]]] = [
    continue_alias_bomb, inventory_alias_bomb, config_gzip_bomb, audit_gzip_bomb, credential_gzip_bomb, deep_json,
    deep_yaml, long_integers, long_integers_yaml, huge_audit_line, huge_config_string,
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_estate(tmp_path_factory.mktemp("clean") / "estate")


@pytest.fixture(scope="module")
def baseline(template: Path, tmp_path_factory: pytest.TempPathFactory) -> int:
    db = tmp_path_factory.mktemp("baseline") / "estate.duckdb"
    code, out, err, peak = cli("run", str(template), "--db", str(db), memory_cap=ADDRESS_SPACE_CAP)
    assert code == 0, out + err
    return peak


def quarantine_of(db: Path) -> list[tuple[str, int | None, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT source_file, line, reason FROM quarantine ORDER BY ALL").fetchall()


@pytest.mark.parametrize("bomb", BOMBS, ids=[b.__name__ for b in BOMBS])
def test_a_bomb_is_quarantined_within_one_gigabyte(bomb: Callable[[Path], tuple[str, str]], template: Path,
                                                  baseline: int, tmp_path: Path) -> None:
    estate = Path(shutil.copytree(template, tmp_path / "estate"))
    file, reason = bomb(estate)
    db = tmp_path / "estate.duckdb"
    code, out, err, peak = cli("run", str(estate), "--db", str(db), memory_cap=ADDRESS_SPACE_CAP)
    print(f"{bomb.__name__}: peak {peak / 1e6:.0f} MB (clean estate {baseline / 1e6:.0f} MB)")
    assert "Traceback" not in out + err and "unexpected" not in (out + err).lower()
    assert peak < ONE_GB
    quarantined = quarantine_of(db)
    if bomb is huge_config_string:  # a long value is no error: it loads, within the bounds
        assert code == 0 and quarantined == [], out + err
        return
    assert code == 1, out + err
    assert quarantined and {q[0] for q in quarantined} == {file}
    assert any(reason in q[2] for q in quarantined), quarantined


def test_validate_with_every_bomb_at_once_stays_within_one_gigabyte(template: Path, tmp_path: Path) -> None:
    estate = Path(shutil.copytree(template, tmp_path / "estate"))
    planted = {bomb(estate)[0] for bomb in BOMBS if bomb not in (inventory_alias_bomb, huge_config_string)}
    code, out, err, peak = cli("validate", str(estate), memory_cap=ADDRESS_SPACE_CAP)
    print(f"all bombs, validate: peak {peak / 1e6:.0f} MB")
    assert code == 1 and "Traceback" not in out + err
    assert peak < ONE_GB
    assert f"{len(planted)} " in out or "problem" in out
