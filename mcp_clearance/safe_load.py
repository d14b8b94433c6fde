"""Bounded reading and parsing of every file an estate hands us (limits: docs/limits.md).

An estate is untrusted input: one hostile file must cost a bounded amount of memory and time and
end as a quarantine entry, never as a crash. Everything here raises `DocumentError` (a one-line
reason that never quotes the input, plus the line when known) for a file that breaks a limit:

* `read_bounded` reads a file, decompressing `.gz` while reading, and stops one byte past the
  limit, so a small gzip that expands to gigabytes is refused after reading the limit, not after
  inflating it all; `size_over` counts decompressed bytes the same way without keeping them.
* `load_yaml` reads a YAML document with PyYAML's safe loader under two caps checked on the
  parser's events before any node is built: nesting depth, and nodes with every alias expanded (a
  "billion laughs" alias bomb is a few hundred bytes that expand exponentially; counting the
  expansion refuses it while still allowing ordinary anchors). An alias to a node that contains it
  (a cycle) is refused too. Over-long integers and timestamps stay text (see _BoundedLoader).
* `loads_json` / `check_json_limits` bound JSON the same way before the parser sees it: CPython's
  decoder and json5 recurse per nesting level, so deep input would otherwise raise RecursionError.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

MiB = 1024 * 1024
# Whole-file readers (client configs, credential exports, tool listings, the estate's YAML) hold a
# file in memory; the limit is on the decompressed size, checked while decompressing.
MAX_FILE_BYTES = 16 * MiB
MAX_DEPTH = 100  # nesting levels of a YAML or JSON document
MAX_YAML_NODES = 250_000  # nodes of one YAML document, counting every alias expanded
MAX_INT_DIGITS = 100  # digits of one integer literal (Python's own int-from-text limit is 4300)


class DocumentError(ValueError):
    """A file or document that breaks a limit or does not parse; `reason` never quotes the input."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def describe_size(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit % MiB == 0 else f"{limit:,} bytes"


def is_gzip(path: Path) -> bool:
    return path.name.endswith(".gz")


def read_bounded(path: Path, limit: int) -> bytes:
    """The file's bytes (decompressed for `.gz`); DocumentError past `limit` or on a corrupt gzip."""
    try:
        with (gzip.open(path, "rb") if is_gzip(path) else path.open("rb")) as handle:
            data = handle.read(limit + 1)
    except (EOFError, zlib.error) as exc:  # their messages say what broke, never quote the data
        raise DocumentError(f"cannot read file: {type(exc).__name__}: {exc}") from None
    except OSError as exc:
        raise DocumentError(f"cannot read file: {type(exc).__name__}") from None
    if len(data) > limit:
        raise DocumentError(too_large(path, limit))
    return data


def size_over(path: Path, limit: int) -> bool:
    """Whether the file holds more than `limit` bytes once decompressed; constant memory."""
    if not is_gzip(path):
        return path.stat().st_size > limit
    total = 0
    try:
        with gzip.open(path, "rb") as handle:
            while chunk := handle.read(MiB):
                total += len(chunk)
                if total > limit:
                    return True
    except (EOFError, zlib.error) as exc:  # their messages say what broke, never quote the data
        raise DocumentError(f"cannot read file: {type(exc).__name__}: {exc}") from None
    except OSError as exc:  # BadGzipFile's message quotes the first bytes
        raise DocumentError(f"cannot read file: {type(exc).__name__}") from None
    return False


def too_large(path: Path, limit: int) -> str:
    state = "decompressed " if is_gzip(path) else ""
    return f"file is over the {describe_size(limit)} limit for its kind ({state}size); not read (see docs/limits.md)"


# YAML ---------------------------------------------------------------------------------------------

_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")


def _problem(exc: yaml.YAMLError) -> str:
    """PyYAML's description of the problem, with any quoted input (anchor names, tags) removed."""
    text = getattr(exc, "problem", None) or getattr(exc, "context", None) or "malformed document"
    return " ".join(_QUOTED.sub("(…)", str(text)).split())


class _LimitError(yaml.MarkedYAMLError):
    """A limit broken while reading; turned into DocumentError with the mark's line."""


_Parser: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed


def _check_events(text: str) -> None:
    """Walk the parser's events (no nodes built yet) and refuse a document past the limits.

    Each node counts once, and an alias counts the whole size of the node it names, so the count is
    the size of the data a consumer would see with every alias expanded.
    """
    depth = expanded = 0
    sizes: dict[str, int] = {}  # anchor -> size of its node, aliases expanded
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, count before it) of unfinished collections
    for event in yaml.parse(text, Loader=_Parser):
        if isinstance(event, AliasEvent):
            if event.anchor in sizes:
                expanded += sizes[event.anchor]
            elif any(anchor == event.anchor for anchor, _ in open_nodes):
                raise _LimitError(None, None, "an alias refers to a node that contains it (a cycle)",
                                  event.start_mark)
        elif isinstance(event, ScalarEvent):
            expanded += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _LimitError(None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
            open_nodes.append((event.anchor, expanded))
            expanded += 1
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
            anchor, before = open_nodes.pop()
            if anchor is not None:
                sizes[anchor] = expanded - before
        if expanded > MAX_YAML_NODES:
            raise _LimitError(None, None, f"more than {MAX_YAML_NODES:,} nodes with aliases expanded",
                              event.start_mark)


class _BoundedLoader(_Parser):  # type: ignore[misc, valid-type]
    """The safe loader, with two scalars left as text for the consumer to validate field by field:

    * an integer longer than MAX_INT_DIGITS (Python refuses to convert more than 4,300 digits and
      the conversion is quadratic below that), so a count field rejects it in its own record;
    * a timestamp, which PyYAML would turn into a date and fail with ValueError for the whole
      document on 2026-02-30; pydantic parses the text per field instead.
    Any other ValueError from a constructor ends the document as an error, never as a crash.
    """

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int | str:
        if sum(ch.isalnum() for ch in str(node.value)) > MAX_INT_DIGITS:
            return str(node.value)
        return super().construct_yaml_int(node)  # type: ignore[no-any-return]

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            if isinstance(exc, yaml.YAMLError):
                raise
            raise _LimitError(None, None, "a value is out of range for its type", node.start_mark) from None


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)
_BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", _BoundedLoader.construct_yaml_str)


def load_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """(data, root node) of one YAML document within the limits; DocumentError otherwise.

    The root node carries the marks the estate loader turns into line numbers.
    """
    try:
        _check_events(text)
        loader = _BoundedLoader(text)
        try:
            root = loader.get_single_node()
            return (loader.construct_document(root) if root is not None else None), root
        finally:
            loader.dispose()
    except _LimitError as exc:
        mark = exc.problem_mark
        raise DocumentError(f"YAML document refused: {exc.problem}", mark.line + 1 if mark else None) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own cap (1000) can fire first, while scanning ahead
            raise DocumentError(f"YAML document refused: nested deeper than {MAX_DEPTH} levels",
                                mark.line + 1 if mark else None) from None
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DocumentError(f"YAML syntax error{where}: {_problem(exc)}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"YAML syntax error: {_problem(exc)}") from None
    except RecursionError:  # unreachable within MAX_DEPTH; kept so that no input escapes as a crash
        raise DocumentError(f"YAML document refused: nested deeper than {MAX_DEPTH} levels") from None


# JSON ---------------------------------------------------------------------------------------------

# Strings and comments, whose brackets do not count; an unclosed /* runs to the end of the text, so
# a hostile file cannot make the scan quadratic.
_JSON_OPAQUE = re.compile(
    r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"|\'[^\'\\\n]*(?:\\.[^\'\\\n]*)*\'|//[^\n]*|/\*(?:.*?\*/|.*)', re.DOTALL)
_JSON_TOKEN = re.compile(f"{_JSON_OPAQUE.pattern}|[\\[\\]{{}}]", re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(r"\[\]|\{\}|\[\}|\{\]")
_LONG_INTEGER = re.compile(rf"\d{{{MAX_INT_DIGITS + 1}}}")


def check_json_limits(text: str) -> None:
    """DocumentError when JSON (or JSONC/JSON5) text nests deeper than MAX_DEPTH or holds an
    integer longer than MAX_INT_DIGITS (outside strings).

    Runs at regular-expression speed: strings and comments are removed, then only the brackets are
    kept and innermost pairs removed one level per pass; a 101st pass that still removes a pair
    means more than 100 levels. (Unbalanced brackets are left for the parser to report.)
    """
    long_digits = _LONG_INTEGER.search(text) is not None
    if text.count("[") + text.count("{") <= MAX_DEPTH and not long_digits:
        return
    outside_strings = _JSON_OPAQUE.sub(" ", text)
    if long_digits and (found := _LONG_INTEGER.search(outside_strings)):
        # strings never span lines; a block comment may, so the line can then be a little early
        raise DocumentError(f"JSON document refused: an integer has more than {MAX_INT_DIGITS} digits",
                            outside_strings.count("\n", 0, found.start()) + 1)
    brackets = _NOT_BRACKET.sub("", outside_strings)
    for _ in range(MAX_DEPTH):
        brackets, removed = _INNERMOST_PAIR.subn("", brackets)
        if not removed:
            return
    if _INNERMOST_PAIR.search(brackets):
        raise DocumentError(f"JSON document refused: nested deeper than {MAX_DEPTH} levels",
                            _line_at_depth(text, MAX_DEPTH + 1))


def _line_at_depth(text: str, depth: int) -> int | None:
    """Line where nesting first reaches `depth` (asked only for a refused file; stops there)."""
    level = 0
    for token in _JSON_TOKEN.finditer(text):
        char = token.group()
        if char in ("[", "{"):
            level += 1
            if level >= depth:
                return text.count("\n", 0, token.start()) + 1
        elif char in ("]", "}"):
            level -= 1
    return None


def loads_json(text: str) -> Any:
    """json.loads within the depth and integer limits (json.JSONDecodeError for syntax errors)."""
    check_json_limits(text)
    try:
        return json.loads(text)
    except RecursionError:
        raise DocumentError(f"JSON document refused: nested deeper than {MAX_DEPTH} levels") from None
