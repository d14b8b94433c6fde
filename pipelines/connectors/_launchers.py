"""What a stdio server's command line fetches from a registry, and whether that fetch is pinned.

One parser for every client: a server's `command` + `args` are unwrapped until the real launcher
shows, then the launcher's own flags are skipped to find the package it downloads.

Unwrapped first (they only run another command line):
  * shells: `cmd /c …` (`/k`, `cmd.exe`), `bash|sh|zsh|dash|fish -c "…"` (also `-lc`, `-ic`),
    `powershell|pwsh -Command "…"`; a single string is split the way the shell would split it;
  * `env [-i] [NAME=value…] cmd …` and a shell's `exec cmd …`.

Launchers (package, version, pinned):
  * npm: `npx`, `bunx`, `bun x`, `npm exec` / `npm x`, `pnpm dlx`, `yarn dlx` - pinned iff an
    exact semver `@1.2.3`;
  * PyPI: `uvx` / `uv tool run` (`--from` names the package), `uv run --with pkg` (the `--with`
    packages are what is fetched; a bare `uv run` runs local code), `pipx run` (`--spec`) - pinned
    iff `==1.2.3` (or uvx's `pkg@1.2.3`);
  * images: `docker|podman run` / `container run` - pinned iff `@sha256:…`; a tag (also
    `latest`) moves.
Anything else is a local program: (None, None, None).
"""

from __future__ import annotations

import re
import shlex

Launch = tuple[str | None, str | None, bool | None]
NOTHING: Launch = (None, None, None)

_EXACT_SEMVER = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
_PEP440_EXACT = re.compile(r"\d+(?:\.\d+)*(?:(?:a|b|rc|\.post|\.dev)\d+)*(?:\+[0-9A-Za-z.]+)?")
_PYPI_SPEC = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(?P<rest>.*)")
_ENV_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)
_SHELLS = {"bash", "sh", "zsh", "dash", "fish", "ksh"}
_POWERSHELLS = {"powershell", "pwsh"}

# Flags that take the next argument as their value, per launcher (the package is never one).
_NPX_VALUE_FLAGS = {"-p", "--package", "-c", "--call", "--registry", "--cache", "--userconfig", "-w", "--workspace"}
_UV_VALUE_FLAGS = {
    "--from", "--with", "--with-editable", "--with-requirements", "--python", "-p", "--index", "--index-url",
    "--extra-index-url", "-i", "--default-index", "--directory", "--project", "--config-file", "--cache-dir",
    "-c", "--constraints", "--refresh-package", "--reinstall-package", "--upgrade-package", "-P", "--env-file",
    "--package", "--extra", "--group", "--only-group", "--no-group", "--script",
}
_PIPX_VALUE_FLAGS = {"--spec", "--python", "--index-url", "-i", "--pip-args"}
_DOCKER_VALUE_FLAGS = {
    "-e", "--env", "--env-file", "-v", "--volume", "--mount", "-p", "--publish", "--name", "--network", "--net",
    "-u", "--user", "-w", "--workdir", "--entrypoint", "-l", "--label", "--label-file", "--platform", "--pull",
    "--cpus", "-m", "--memory", "--memory-swap", "--add-host", "--cap-add", "--cap-drop", "--security-opt",
    "--tmpfs", "--device", "--restart", "-h", "--hostname", "--ulimit", "--log-driver", "--log-opt", "--runtime",
    "--gpus", "--ipc", "--pid", "--shm-size", "--dns", "--stop-signal", "--stop-timeout", "--group-add",
    "--cidfile", "--userns", "--uts", "--expose", "--link", "--volumes-from", "--network-alias", "--ip",
}
_UNWRAP_DEPTH = 4  # `cmd /c bash -c "env X=1 npx …"` is as deep as real configs go


def executable(command: str) -> str:
    """`C:\\Program Files\\nodejs\\npx.cmd` → `npx`: the program name a launcher is known by."""
    return re.sub(r"\.(exe|cmd|bat|ps1)$", "", re.split(r"[\\/]", command.strip())[-1].lower())


def launched_package(command: str | None, args: list[str]) -> Launch:
    """(package, version, pinned) of what a stdio command line fetches; all None for local programs."""
    if not command:
        return NOTHING
    line = unwrap([command, *args])
    return _launch(executable(line[0]), line[1:]) if line else NOTHING


def unwrap(line: list[str]) -> list[str]:
    """The command line a shell or `env` wrapper finally runs (the line itself when not wrapped)."""
    for _ in range(_UNWRAP_DEPTH):
        inner = _unwrap_once(line)
        if inner is None:
            return line
        line = inner
    return line


def _unwrap_once(line: list[str]) -> list[str] | None:
    if not line:
        return None
    exe, rest = executable(line[0]), line[1:]
    if exe == "cmd":
        at = next((i for i, a in enumerate(rest) if a.lower() in ("/c", "/k")), None)
        return None if at is None else _split_one(rest[at + 1:], posix=False)
    if exe in _SHELLS:
        at = next((i for i, a in enumerate(rest) if re.fullmatch(r"-[a-z]*c[a-z]*", a)), None)
        return None if at is None or at + 1 >= len(rest) else _split(rest[at + 1])
    if exe in _POWERSHELLS:
        at = next((i for i, a in enumerate(rest) if a.lower() in ("-command", "-c")), None)
        return None if at is None else _split_one(rest[at + 1:], posix=False)
    if exe == "exec":  # `sh -c "exec npx …"`: the shell replaces itself with the command
        return rest or None
    if exe == "env":
        rest = [a for a in rest if a not in ("-i", "--ignore-environment")]
        while rest and _ENV_ASSIGNMENT.fullmatch(rest[0]):
            rest = rest[1:]
        return rest or None
    return None


def _split(text: str, posix: bool = True) -> list[str]:
    try:
        parts = shlex.split(text, posix=posix)
    except ValueError:
        parts = text.split()
    return [p.strip('"') for p in parts] if not posix else parts


def _split_one(rest: list[str], posix: bool) -> list[str]:
    """`cmd /c "npx -y pkg"` (one string) and `cmd /c npx -y pkg` (many) give the same line."""
    if len(rest) == 1 and any(c.isspace() for c in rest[0]):
        return _split(rest[0], posix=posix)
    return rest


def _launch(exe: str, args: list[str]) -> Launch:
    if exe in ("npx", "bunx"):
        return _npm(args)
    if exe == "bun" and args[:1] == ["x"]:
        return _npm(args[1:])
    if exe == "npm" and args[:1] in (["exec"], ["x"]):
        return _npm(args[1:])
    if exe in ("pnpm", "yarn") and args[:1] == ["dlx"]:
        return _npm(args[1:])
    if exe == "uvx":
        return _pypi(args, _UV_VALUE_FLAGS, {"--from"})
    if exe == "uv":
        return _uv(args)
    if exe == "pipx" and args[:1] == ["run"]:
        return _pypi(args[1:], _PIPX_VALUE_FLAGS, {"--spec"})
    if exe in ("docker", "podman"):
        rest = args[2:] if args[:2] == ["container", "run"] else args[1:] if args[:1] == ["run"] else None
        if rest is not None:
            return _image(rest)
    return NOTHING


def _uv(args: list[str]) -> Launch:
    """`uv [global flags] tool run …` is uvx; `uv run --with pkg …` fetches each `--with` package."""
    i = 0
    while i < len(args) and args[i].startswith("-"):  # global flags such as --directory DIR
        flag, eq, _ = args[i].partition("=")
        i += 2 if not eq and flag in _UV_VALUE_FLAGS else 1
    command, rest = args[i:i + 1], args[i + 1:]
    if command == ["tool"] and rest[:1] == ["run"]:
        return _pypi(rest[1:], _UV_VALUE_FLAGS, {"--from"})
    if command != ["run"]:
        return NOTHING
    fetched = [_pypi_spec(spec) for spec in _flag_values(rest, "--with")]
    fetched = [f for f in fetched if f[0] is not None]
    # One package is reported: the first that is not pinned, since that is what SC-09 must show.
    return next((f for f in fetched if not f[2]), fetched[0]) if fetched else NOTHING


def _flag_values(args: list[str], wanted: str) -> list[str]:
    """Every value of `wanted` (`--with a --with=b,c`) before the command uv runs."""
    values, i = [], 0
    while i < len(args) and args[i].startswith("-"):
        flag, eq, value = args[i].partition("=")
        takes_value = not eq and flag in _UV_VALUE_FLAGS
        if flag == wanted:
            raw = value if eq else (args[i + 1] if i + 1 < len(args) else "")
            values += [v.strip() for v in raw.split(",") if v.strip()]
        i += 2 if takes_value else 1
    return values


def _first_positional(args: list[str], value_flags: set[str], chosen_by: set[str]) -> str | None:
    """The first non-flag argument, or the value of a `chosen_by` flag (`--from`, `-p`) before it.

    Everything after the first positional belongs to the launched program, so the scan stops there.
    """
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return args[i + 1] if i + 1 < len(args) else None
        flag, eq, value = arg.partition("=")
        if flag in chosen_by:
            return value if eq else (args[i + 1] if i + 1 < len(args) else None)
        if not arg.startswith("-"):
            return arg
        i += 2 if not eq and flag in value_flags else 1
    return None


def _npm(args: list[str]) -> Launch:
    spec = _first_positional(args, _NPX_VALUE_FLAGS, {"-p", "--package"})
    if spec is None or spec.startswith((".", "/", "~")):
        return NOTHING
    if ":" in spec:  # git+https:, github:, file:, a tarball URL: not a registry version
        return spec, None, False
    scope, _, rest = spec.partition("/") if spec.startswith("@") else ("", "", spec)
    name, _, version = rest.partition("@")
    name = f"{scope}/{name}" if scope else name
    return name, version or None, bool(version and _EXACT_SEMVER.fullmatch(version))


def _pypi(args: list[str], value_flags: set[str], chosen_by: set[str]) -> Launch:
    spec = _first_positional(args, value_flags, chosen_by)
    return NOTHING if spec is None else _pypi_spec(spec)


def _pypi_spec(spec: str) -> Launch:
    if spec.startswith((".", "/", "~")):
        return NOTHING
    match = _PYPI_SPEC.fullmatch(spec)
    if match is None or ":" in spec:  # git+https://…, a URL or a path: no registry version
        return spec, None, False
    rest = match["rest"].strip()
    if rest.startswith("@"):  # uvx pkg@1.2.3 / pkg@latest
        version = rest[1:].strip()
        return match["name"], version or None, bool(_PEP440_EXACT.fullmatch(version))
    exact = re.fullmatch(r"===?\s*(\S+)", rest)
    if exact:
        return match["name"], exact[1], bool(_PEP440_EXACT.fullmatch(exact[1]))
    return match["name"], rest or None, False


def _image(args: list[str]) -> Launch:
    image = _first_positional(args, _DOCKER_VALUE_FLAGS, set())
    if image is None:
        return NOTHING
    name, at, digest = image.partition("@")
    repo, colon, tag = name.rpartition(":")
    if not colon or "/" in tag:  # no tag, or the colon belonged to a registry port
        repo, tag = name, ""
    return repo, digest or tag or None, at == "@" and digest.startswith("sha256:")
