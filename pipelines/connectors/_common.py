"""What the connector-config formats share: parsing, format identification and row building.

Not a format itself: the leading underscore keeps `discover_formats` from treating it as one.

Identification. Several clients write the same `mcpServers` object, and each client's ordinary
file may hold no MCP server at all, so no single key decides. Every format module contributes
evidence to one scoring (`detect_client`): the client's documented locations (`PATHS`, weighted)
and content signals (`content_signals`: keys and shapes of that client's file, weighted). The best
score wins and is recorded in `connector_sources` with every client that came within MARGIN, so a
file two clients could own says so instead of being assigned silently. Each module's `detect` is
`identify(path, head) == FORMAT`, so exactly one module claims a file whatever order it is asked in.

Rows. Loaders turn each server definition into a `ServerSpec`; `store` classifies every value with
the secret scanner, builds all rows of the file and inserts them at the end, so a file that fails
leaves nothing behind. Commands, args and URLs are stored in their redacted form only.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePath
from typing import Any

import json5

from mcp_clearance.pipelines.base import SNIFF_BYTES, BadRecord, LoadContext, discover_formats, read_text
from mcp_clearance.pipelines.connectors._launchers import launched_package
from mcp_clearance.safe_load import DocumentError, load_yaml, loads_json
from mcp_clearance.secrets import Classified, SecretScanner

FAMILY = "connectors"
# Whole-file reads for identification stop here; beyond it the 64 KiB head and key mentions decide.
FULL_SNIFF_LIMIT = 16 * 1024 * 1024

_TOML_TABLE = re.compile(r"^[ \t]*\[[A-Za-z0-9_.\"' -]+\][ \t]*(?:#.*)?$", re.MULTILINE)
_JSON5_POSITION = re.compile(r":(\d+) .* at column (\d+)")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
# JSONC's two additions to JSON, each matched after a whole string literal so that text inside strings is kept
_JSONC_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
_JSONC_TRAILING_COMMA = re.compile(r'"(?:[^"\\\n]|\\.)*"|,(?=\s*[\]}])')


# Documents ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A parsed config file plus its text, for line numbers and for sniffing unparsable heads."""

    text: str
    syntax: str  # json | yaml | toml
    data: Any = None  # None when the text did not parse (only while sniffing)
    parsed: bool = True
    relaxed_line: int | None = None  # JSON that parsed only as JSONC: line of its first comment or trailing comma

    @property
    def top(self) -> dict[str, Any]:
        return self.data if isinstance(self.data, dict) else {}

    def has_top(self, key: str) -> bool:
        return key in self.top if self.parsed else self.mentions(key)

    def entries(self, container: str = "mcpServers") -> list[dict[str, Any]]:
        value = self.top.get(container)
        return [e for e in value.values() if isinstance(e, dict)] if isinstance(value, dict) else []

    def entry_has(self, *keys: str, container: str = "mcpServers") -> bool:
        """Whether any server under `container` uses one of `keys` (any mention when unparsed)."""
        if not self.parsed:
            return self.mentions(container) and any(self.mentions(k) for k in keys)
        return any(k in entry for entry in self.entries(container) for k in keys)

    def mentions(self, key: str) -> bool:
        return _key_pattern(self.syntax, key).search(self.text) is not None

    def line(self, *keys: str | tuple[str, str]) -> int | None:
        """Line of the last of `keys` found, each searched after the previous one.

        A key is a mapping key, or ("name", value) for a list item identified by its name field.
        Approximate by design (no position-aware parser for every syntax), but never wrong by more
        than the nesting it could not follow.
        """
        pos, found = 0, None
        for key in keys:
            pattern = _item_pattern(self.syntax, *key) if isinstance(key, tuple) else _key_pattern(self.syntax, key)
            match = pattern.search(self.text, pos)
            if match is None:
                break
            pos, found = match.end(), match.start()
        return None if found is None else self.line_at(found)

    def find_line(self, pattern: re.Pattern[str]) -> int | None:
        match = pattern.search(self.text)
        return None if match is None else self.line_at(match.start())

    def line_at(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def mapping(self, *keys: str) -> dict[str, Any]:
        """The object at `keys` (empty when absent); BadRecord when it is something else."""
        value: Any = self.data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise BadRecord(f"`{'.'.join(keys)}` must be an object, not {kind_of(value)}", self.line(*keys))
        return value

    def items(self, *keys: str) -> list[tuple[str, Any, int | None]]:
        """(name, definition, line) for every server in the object at `keys`."""
        return [(str(name), entry, self.line(*keys, str(name))) for name, entry in self.mapping(*keys).items()]


@lru_cache(maxsize=256)
def _key_pattern(syntax: str, key: str) -> re.Pattern[str]:
    if syntax == "json":
        # The lookbehind skips keys quoted inside string values (`\"servers\":`).
        return re.compile(r'(?<!\\)"' + re.escape(json.dumps(key)[1:-1]) + r'"\s*:')
    if syntax == "toml":
        return re.compile(r"(?m)(?:^[ \t]*\[*[ \t]*|[{,.][ \t]*)[\"']?" + re.escape(key) + r"[\"']?[ \t]*(?:=|\.|\])")
    return re.compile(r"(?m)(?:^|(?<=[\s{,\-]))[\"']?" + re.escape(key) + r"[\"']?[ \t]*:(?=\s|$)")


@lru_cache(maxsize=256)
def _item_pattern(syntax: str, field_name: str, value: str) -> re.Pattern[str]:
    if syntax == "json":
        return re.compile(r'"' + re.escape(field_name) + r'"\s*:\s*' + re.escape(json.dumps(value)))
    quoted = r"[\"']?" + re.escape(value) + r"[\"']?"
    return re.compile(r"(?m)" + re.escape(field_name) + r"[ \t]*:[ \t]*" + quoted + r"[ \t]*(?:#.*)?$")


def guess_syntax(path: Path, text: str) -> str:
    """json | yaml | toml, from the suffix when it says, else from the first characters."""
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    suffix = PurePath(name).suffix.lower()
    if suffix == ".toml":
        return "toml"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".json", ".jsonc", ".json5"):
        return "json"
    start = text.lstrip("\ufeff \t\r\n")
    if start.startswith(("{", "[", "//", "/*")):
        return "json"
    return "toml" if _TOML_TABLE.search(text) else "yaml"


def parse(text: str, syntax: str) -> Any:
    """Parse one document; BadRecord(reason, line) on a syntax error, never quoting the content."""
    return parse_relaxed(text, syntax)[0]


def parse_relaxed(text: str, syntax: str) -> tuple[Any, int | None]:
    """(data, line) where line is that of the first comment or trailing comma when JSON parsed only
    as JSONC (None for strict JSON and other syntaxes). YAML and JSON go through the bounded
    parsers of mcp_clearance.safe_load: a limit broken is a BadRecord too."""
    text = text.lstrip("\ufeff")
    if syntax == "toml":
        try:
            return tomllib.loads(text), None
        except tomllib.TOMLDecodeError as exc:
            position = _TOML_POSITION.search(str(exc))
            line, column = (int(position[1]), int(position[2])) if position else (None, None)
            raise BadRecord(f"TOML syntax error at line {line}, column {column}", line) from None
        except (ValueError, RecursionError):  # an integer over Python's digit limit, or nesting too deep
            raise BadRecord("TOML document refused: a value out of range or nested too deeply") from None
    try:
        if syntax == "yaml":
            return load_yaml(text)[0], None
        try:
            return loads_json(text), None
        except json.JSONDecodeError as exc:
            line, column = exc.lineno, exc.colno
    except DocumentError as exc:
        raise BadRecord(exc.reason, exc.line) from None
    try:  # JSONC without its comments and trailing commas is JSON: the C parser, not json5's (~100x slower)
        return json.loads(_jsonc_as_json(text)), line
    except (ValueError, RecursionError):
        pass
    try:  # anything else JSON5 accepts, and JSON5's error position; limits were checked above
        return json5.loads(text), line
    except Exception as exc:  # json5 raises plain ValueError
        position = _JSON5_POSITION.search(str(exc))
        if position:  # json5 knows JSONC, so its position beats the strict parser's
            line, column = int(position[1]), int(position[2])
        raise BadRecord(f"JSON syntax error at line {line}, column {column}", line) from None


def _jsonc_as_json(text: str) -> str:
    """`text` with its // and /* */ comments replaced by a space and its trailing commas removed."""
    def keep_strings(replacement: str) -> Callable[[re.Match[str]], str]:
        return lambda m: m[0] if m[0].startswith('"') else replacement
    return _JSONC_TRAILING_COMMA.sub(keep_strings(""), _JSONC_COMMENT.sub(keep_strings(" "), text))


def read_document(path: Path) -> Document:
    text = read_text(path)
    syntax = guess_syntax(path, text)
    data, relaxed_line = parse_relaxed(text, syntax)
    return Document(text, syntax, data, relaxed_line=relaxed_line)


def warn_if_relaxed(ctx: LoadContext, path: Path, doc: Document, client: str) -> None:
    """For clients that read strict JSON: a file that parsed only as JSONC is loaded, but the client
    itself will refuse it, so the quarantine says so (its servers still count as loaded)."""
    if doc.relaxed_line is not None:
        ctx.quarantine(path, FAMILY, f"warning: {client} reads strict JSON and will reject this file (a comment "
                       "or trailing comma); its servers are loaded here anyway", doc.relaxed_line)


def sniff(path: Path, head: str) -> Document:
    """The document as far as identification needs it; unparsed (key mentions only) if broken."""
    text = head
    if len(head) >= SNIFF_BYTES and path.stat().st_size <= FULL_SNIFF_LIMIT:
        try:  # ~/.claude.json often outgrows the head; a truncated head never parses
            text = read_text(path)
        except BadRecord:
            text = head
    syntax = guess_syntax(path, text)
    try:
        return Document(text, syntax, parse(text, syntax))
    except BadRecord:
        return Document(text, syntax, None, parsed=False)


# Identification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    """One piece of evidence that a file is a client's: a weight and a label for the row."""

    weight: int
    label: str


@dataclass(frozen=True)
class Detection:
    """The client a file is read as, every client it could be (best first) and why."""

    client: str
    candidates: tuple[str, ...]
    score: int
    signals: tuple[str, ...]

    @property
    def note(self) -> str:
        why = "; ".join(self.signals)
        if len(self.candidates) == 1:
            return why
        return f"{why}; also possible: {', '.join(self.candidates[1:])}"


# A client is named only on this much evidence; candidates within MARGIN of the best are kept.
MIN_SCORE = 5
MARGIN = 20
# Every client that reads an `mcpServers` object gets this much for one (it says MCP, not whose).
GENERIC_MCP_SERVERS = 5


def path_matches(path: Path, pattern: str) -> bool:
    """Whether the last parts of `path` match `pattern` (`/`-separated, each part an fnmatch glob)."""
    wanted = pattern.split("/")
    parts = path.parts[-len(wanted):]
    return len(parts) == len(wanted) and all(fnmatch.fnmatchcase(p, w) for p, w in zip(parts, wanted, strict=True))


def path_signal(path: Path, paths: tuple[tuple[str, int], ...]) -> Signal | None:
    """The strongest of a client's documented locations that `path` is at (max, not sum)."""
    matched = [(weight, pattern) for pattern, weight in paths if path_matches(path, pattern)]
    if not matched:
        return None
    weight, pattern = max(matched)
    return Signal(weight, f"path {pattern}")


def detect_client(path: Path, head: str) -> Detection | None:
    """Score every client module on the file's path and content; None when no client has evidence.

    Each format module declares `SYNTAXES` (the syntaxes its client writes), `PATHS` ((pattern,
    weight) of its documented locations) and `content_signals(doc) -> list[Signal]`. A module's score
    is its best path weight plus the sum of its content signals; the highest wins (ties: lower
    PRIORITY), and every module within MARGIN of it is recorded as a candidate.
    """
    return _detect(path, head, path.stat().st_mtime_ns)


def identify(path: Path, head: str) -> str | None:
    """FORMAT of the connector format module that reads this file (see `detect_client`)."""
    found = detect_client(path, head)
    return found.client if found else None


@lru_cache(maxsize=64)
def _detect(path: Path, head: str, _mtime: int) -> Detection | None:
    doc = sniff(path, head)
    scored: list[tuple[int, int, str, list[str]]] = []
    for module in discover_formats(importlib.import_module(__package__)):
        if doc.syntax not in module.SYNTAXES:
            continue
        signals = [s for s in [path_signal(path, module.PATHS), *module.content_signals(doc)] if s is not None]
        score = sum(s.weight for s in signals)
        if score > 0:
            scored.append((score, module.PRIORITY, str(module.FORMAT), [s.label for s in signals]))
    scored.sort(key=lambda m: (-m[0], m[1]))
    if not scored or scored[0][0] < MIN_SCORE:
        return None
    best, _, client, labels = scored[0]
    candidates = tuple(name for score, _, name, _ in scored if score >= best - MARGIN)
    return Detection(client, candidates, best, tuple(labels))


def generic_servers(doc: Document, container: str = "mcpServers") -> list[Signal]:
    """The shared signal of an `mcpServers` object (an object: Continue's YAML list is its own)."""
    present = isinstance(doc.top.get(container), dict) if doc.parsed else doc.mentions(container)
    return [Signal(GENERIC_MCP_SERVERS, container)] if present else []


def server_key_signals(doc: Document, weights: dict[str, int], container: str = "mcpServers") -> list[Signal]:
    """A signal per server-level key of this client that some server in the file uses."""
    return [Signal(weight, f"server key {key}") for key, weight in weights.items()
            if doc.entry_has(key, container=container)]


def top_key_signals(doc: Document, weights: dict[str, int]) -> list[Signal]:
    """A signal per top-level key of this client's settings file present in the document."""
    return [Signal(weight, f"key {key}") for key, weight in weights.items() if doc.has_top(key)]


def in_folder(path: Path, *names: str) -> bool:
    return any(part in names for part in path.parts[:-1])


# Field access ----------------------------------------------------------------------------------


def kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else "a string"


def scalar_text(value: Any) -> str | None:
    """A scalar as the client passes it to the server (JSON booleans stay lower-case)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ValueError(kind_of(value))


def opt_str(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    if value is None or isinstance(value, str):
        return value
    raise BadRecord(f"`{key}` must be a string, not {kind_of(value)}")


def opt_bool(entry: dict[str, Any], key: str) -> bool | None:
    value = entry.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise BadRecord(f"`{key}` must be true or false, not {kind_of(value)}")


def str_list(entry: dict[str, Any], key: str) -> list[str] | None:
    """A list of scalars as strings; None when absent."""
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise BadRecord(f"`{key}` must be a list, not {kind_of(value)}")
    try:
        return [text for text in (scalar_text(v) for v in value) if text is not None]
    except ValueError as exc:
        raise BadRecord(f"`{key}` items must be strings, not {exc}") from None


def scalar_map(entry: dict[str, Any], key: str) -> dict[str, str | None]:
    """An object of scalar values (env, headers); empty when absent."""
    value = entry.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRecord(f"`{key}` must be an object, not {kind_of(value)}")
    try:
        return {str(k): scalar_text(v) for k, v in value.items()}
    except ValueError as exc:
        raise BadRecord(f"`{key}` values must be strings, not {exc}") from None


def string_leaves(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted key, text) of every string or number inside a nested object (OAuth blocks,
    extension settings); booleans and nulls carry no secret and are left out."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in string_leaves(v, f"{prefix}{k}.")]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in string_leaves(v, f"{prefix}{i}.")]
    if isinstance(value, bool) or value is None:
        return []
    return [(prefix.rstrip("."), str(value))]


# Server definitions ---------------------------------------------------------------------------


@dataclass
class ServerSpec:
    """One server definition, normalised across clients, before classification."""

    name: str
    scope: str  # user | project | local | managed | workspace | block
    line: int | None
    transport: str  # stdio | http | sse | unknown
    command: str | None = None
    args: list[str] = field(default_factory=list)
    url: str | None = None
    env: dict[str, str | None] = field(default_factory=dict)
    headers: dict[str, str | None] = field(default_factory=dict)
    env_passthrough: list[str] = field(default_factory=list)  # env var names inherited (Codex env_vars)
    header_env: dict[str, str] = field(default_factory=dict)  # header -> env var NAME holding it (Codex)
    extra: list[tuple[str, str, str]] = field(default_factory=list)  # (field, key, value): env_file, oauth, setting
    project_path: str | None = None
    tools_allow: list[str] | None = None
    tools_deny: list[str] | None = None
    auto_approve: list[str] | None = None
    enabled: bool | None = None
    approval_state: str | None = None
    trust_bypass: bool | None = None
    oauth: bool = False


_TRANSPORTS = {
    "stdio": "stdio",
    "sse": "sse",
    "http": "http",
    "streamable-http": "http",
    "streamablehttp": "http",
    "streamable_http": "http",
    "remote": "http",
    "httpurl": "http",
}


def normalise_transport(declared: str | None, command: str | None, url: str | None, url_default: str) -> str:
    """stdio | http | sse | unknown; a URL without a declared type gets the client's default."""
    if declared is not None:
        return _TRANSPORTS.get(declared.strip().lower(), "unknown")
    if command:
        return "stdio"
    return url_default if url else "unknown"


def base_spec(
    name: str,
    entry: Any,
    line: int | None,
    scope: str,
    *,
    url_keys: dict[str, str | None] | None = None,
    url_default: str = "http",
    type_keys: tuple[str, ...] = ("type",),
) -> ServerSpec:
    """The fields nearly every client shares: type, command, args, env, url, headers.

    `url_keys` maps each URL key the client reads to the transport it implies (None: look at the
    declared type, else `url_default`). BadRecord when a field has the wrong type.
    """
    if not isinstance(entry, dict):
        raise BadRecord(f"server definition must be an object, not {kind_of(entry)}")
    command, args = opt_str(entry, "command"), str_list(entry, "args") or []  # never split: paths have spaces
    url, implied = None, None
    for key, transport in (url_keys or {"url": None}).items():
        url = opt_str(entry, key)
        if url is not None:
            implied = transport
            break
    declared = next((t for t in (opt_str(entry, k) for k in type_keys) if t is not None), None)
    return ServerSpec(
        name=name,
        scope=scope,
        line=line,
        transport=normalise_transport(declared or implied, command, url, url_default),
        command=command,
        args=args,
        url=url,
        env=scalar_map(entry, "env"),
        headers=scalar_map(entry, "headers"),
    )


def build_each(
    ctx: LoadContext,
    path: Path,
    items: Iterable[tuple[str, Any, int | None]],
    build: Callable[[str, Any, int | None], ServerSpec],
) -> list[ServerSpec]:
    """Build every server; a malformed one is quarantined on its own and the rest still load."""
    specs = []
    for name, entry, line in items:
        try:
            specs.append(build(name, entry, line))
        except BadRecord as exc:
            ctx.quarantine(path, FAMILY, f"server {name!r}: {exc.reason}", exc.line or line)
    return specs


def walk_servers(ctx: LoadContext, path: Path, doc: Document, build: Callable[[str, Any, int | None], ServerSpec],
                 *container: str) -> list[ServerSpec]:
    """Every server of the object at `container` (default `mcpServers`), built one by one."""
    return build_each(ctx, path, doc.items(*(container or ("mcpServers",))), build)


def load_servers(ctx: LoadContext, path: Path, client: str, build: Callable[[str, Any, int | None], ServerSpec],
                 *container: str, strict_json_client: str | None = None) -> int:
    """The whole load of a client whose file is one object of servers: read, walk, store.

    `strict_json_client` names a client that parses the file as strict JSON: a file that only
    parses as JSONC/JSON5 still loads, with a warning that this client will reject it.
    """
    doc = read_document(path)
    loaded = store(ctx, path, client, walk_servers(ctx, path, doc, build, *container))
    if strict_json_client is not None:
        warn_if_relaxed(ctx, path, doc, strict_json_client)
    return loaded


# Rows -----------------------------------------------------------------------------------------


def connector_id(source_file: str, scope: str, project_path: str | None, name: str) -> str:
    key = "\x1f".join((source_file, scope, project_path or "", name))
    return hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()


_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_.\-]*)=(.*)", re.DOTALL)
_HEADER_LINE = re.compile(r"([A-Za-z][A-Za-z0-9\-]*)[ \t]*:[ \t]*(.*)", re.DOTALL)


def _arg_parts(args: list[str], i: int) -> tuple[str, str, str | None]:
    """(kept prefix, value to classify, key name) for one argument.

    The name that says what a value is rates it: `--token=abc` (the flag), `API_KEY=abc` and
    docker's `-e API_KEY=abc` / `--env=API_KEY=abc` (the variable), `--header "X-Api-Key: abc"`
    (the header); a bare value is rated by the `--flag` before it.
    """
    arg = args[i]
    prefix = ""
    if arg.startswith("-"):
        flag, eq, value = arg.partition("=")
        if not eq:
            return "", arg, None
        prefix, arg, key = f"{flag}=", value, flag
    else:
        previous = args[i - 1] if i else ""
        key = previous if previous.startswith("-") and "=" not in previous else None
    assign = _ASSIGNMENT.fullmatch(arg)
    if assign and not arg.startswith(("http://", "https://")):
        return f"{prefix}{assign[1]}=", assign[2], assign[1]
    header = _HEADER_LINE.fullmatch(arg)
    if header and key is not None and "header" in key.lower():
        return f"{prefix}{header[1]}: ", header[2], header[1]
    return prefix, arg, key


def _value_row(cid: str, source: str, field_name: str, key: str | None, c: Classified,
               display: str | None = None) -> dict[str, Any]:
    return {
        "connector_id": cid,
        "field": field_name,
        "key": key,
        "value_kind": c.value_kind,
        "reference_syntax": c.reference_syntax,
        "reference_target": c.reference_target,
        "display_value": c.display_value if display is None else display,
        "is_secret": c.is_secret,
        "secret_kind": c.secret_kind,
        "fingerprint": c.fingerprint,
        "source_file": source,
    }


def _name_reference(cid: str, source: str, field_name: str, key: str, variable: str) -> dict[str, Any]:
    """A value given as the NAME of an environment variable (Codex): a reference, never a secret."""
    return _value_row(cid, source, field_name, key, Classified("reference", "env_name", variable, variable,
                                                               False, None, None))


RatedValue = tuple[str, str | None, Classified, str | None]  # field, key, classification, shown text (args)


def classified_values(scan: SecretScanner, spec: ServerSpec) -> Iterator[RatedValue]:
    """(field, key, classification, shown text) of every value of one server definition.

    The one walk every client's values go through (command, args, URL, env, headers, OAuth and
    extension settings): each value is classified under the name that says what it is.
    """
    if spec.command is not None:
        yield "command", None, scan.classify(spec.command), None
    for i in range(len(spec.args)):
        prefix, value, key_name = _arg_parts(spec.args, i)
        rated = scan.classify(value, key_name)
        yield "arg", str(i), rated, prefix + (rated.display_value or value)
    if spec.url is not None:
        yield "url", None, scan.classify(spec.url), None
    for key, value in spec.env.items():
        yield "env", key, scan.classify(value, key), None
    for key, value in spec.headers.items():
        yield "header", key, scan.classify(value, key), None
    for field_name, key, value in spec.extra:
        yield field_name, key, scan.classify(value, key.rpartition(".")[2]), None


def server_rows(ctx: LoadContext, source: str, client: str, spec: ServerSpec
                ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The connector_servers row and connector_values rows of one server; no literal secret kept."""
    cid = connector_id(source, spec.scope, spec.project_path, spec.name)
    scan = ctx.scanner
    values: list[dict[str, Any]] = []
    command, url, args = None, None, []
    for field_name, key, rated, shown in classified_values(scan, spec):
        values.append(_value_row(cid, source, field_name, key, rated, shown))
        if field_name == "command":
            command = rated.display_value or spec.command
        elif field_name == "url":
            url = rated.display_value or spec.url
        elif field_name == "arg":
            args.append(shown)
    values += [_name_reference(cid, source, "env_passthrough", name, name) for name in spec.env_passthrough]
    values += [_name_reference(cid, source, "header", k, var) for k, var in spec.header_env.items()]

    package, version, pinned = launched_package(spec.command, spec.args) if spec.transport == "stdio" else (
        None, None, None)
    server = {
        "connector_id": cid,
        "source_file": source,
        "source_line": spec.line,
        "client": client,
        "config_scope": spec.scope,
        "project_path": scan.redact_path(spec.project_path) if spec.project_path else None,
        "server_name": scan.redact_text(spec.name),
        "transport": spec.transport,
        "command": command,
        "args": args if spec.command is not None or args else None,
        "url": url,
        "env_names": list(spec.env) + [n for n in spec.env_passthrough if n not in spec.env],
        "header_names": list(spec.headers) + [h for h in spec.header_env if h not in spec.headers],
        "tools_allow": spec.tools_allow,
        "tools_deny": spec.tools_deny,
        "auto_approve": spec.auto_approve,
        "enabled": spec.enabled,
        "approval_state": spec.approval_state,
        "trust_bypass": spec.trust_bypass,
        "oauth": spec.oauth,
        "package_name": scan.redact_text(package) if package else None,
        "package_version": scan.redact_text(version) if version else None,
        "package_pinned": pinned,
    }
    return server, values


def store(ctx: LoadContext, path: Path, client: str, specs: list[ServerSpec]) -> int:
    """Insert every server of one file at once; returns the number of servers loaded."""
    source = ctx.relative(path)
    servers: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    seen: set[str] = set()
    for spec in specs:
        server, server_values = server_rows(ctx, source, client, spec)
        if server["connector_id"] in seen:  # e.g. two Continue list items with one name
            ctx.quarantine(path, FAMILY, f"server {spec.name!r}: defined twice in the same scope", spec.line)
            continue
        seen.add(server["connector_id"])
        servers.append(server)
        values += server_values
    ctx.insert_rows("connector_servers", servers)
    ctx.insert_rows("connector_values", values)
    ctx.insert_rows("connector_sources", [_source_row(path, source, client, len(servers))])
    return len(servers)


def _source_row(path: Path, source: str, client: str, servers: int) -> dict[str, Any]:
    """How the file was recognised: a file with no server is still that client's evidence."""
    found = detect_client(path, read_text(path, SNIFF_BYTES))
    candidates = list(found.candidates) if found else [client]
    return {
        "source_file": source,
        "client": client,
        "client_candidates": candidates if client in candidates else [client, *candidates],
        "detection": found.note if found else None,
        "servers": servers,
    }
