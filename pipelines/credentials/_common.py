"""What every credential format shares: the normalized row, time parsing, JSON and CSV reading.

JSON formats are parsed in Python with a position-aware decoder, so every record keeps the line its
opening `{` is on. CSV formats are read by DuckDB (`read_csv`, all columns as text) and normalized in
SQL; rows DuckDB rejects are quarantined with the line it reports.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import csv
import itertools
import json
import json.scanner
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mcp_clearance.pipelines.base import BadRecord, LoadContext, read_text
from mcp_clearance.safe_load import check_json_limits

FAMILY = "credentials"

# Every value `credentials.kind` takes. The schema comment lists the first twelve; `federated`
# (Entra workload identity federation: no secret), `managed_key` (a key the provider holds and
# rotates, e.g. GCP SYSTEM_MANAGED) and `dynamic_secret` (a Vault lease) are added by this family.
KINDS = (
    "static_key", "pat", "password", "certificate", "oauth_access", "oauth_refresh", "x509_svid", "jwt_svid",
    "projected_token", "legacy_sa_token", "vault_token", "app_token", "federated", "managed_key", "dynamic_secret",
)

# Vendors write "never expires" as a date in year 9999 (GCP validBeforeTime, generic CSVs).
NEVER_YEAR = 9999


# The normalized row ----------------------------------------------------------------------------


@dataclass
class Credential:
    """One `credentials` row without its provenance (the loader adds file, line and format)."""

    credential_id: str
    kind: str
    principal: str
    actor_chain: list[str] | None = None
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    lifetime_s: int | None = None  # set by the caller only where it differs from expires - issued (k8s warnafter)
    last_used_at: datetime | None = None
    last_rotated_at: datetime | None = None
    revoked: bool | None = None
    active: bool | None = None
    scopes: list[str] | None = None
    exposed: bool | None = None  # the vendor reports the key material exposed or compromised
    registration_expires_at: datetime | None = None  # SPIRE: no SVID is issued after the registration lapses

    def __post_init__(self) -> None:
        if not self.credential_id:
            raise BadRecord("record has no credential id")
        if not self.principal:
            raise BadRecord("record names no principal (holder)")
        if self.kind not in KINDS:
            raise BadRecord("unknown credential kind in `kind` (see docs/formats/credentials.md for the kinds)")
        if self.lifetime_s is None and self.issued_at is not None and self.expires_at is not None:
            self.lifetime_s = int((self.expires_at - self.issued_at).total_seconds())
        if self.lifetime_s is not None and self.lifetime_s < 0:
            raise BadRecord("expires before it was issued")


def insert(ctx: LoadContext, path: Path, fmt: str, placed: Iterable[tuple[int | None, Credential]]) -> int:
    """Insert credentials of one file, each with the line of the record it came from."""
    source = ctx.relative(path)
    rows = [{**vars(c), "source_format": fmt, "source_file": source, "source_line": line} for line, c in placed]
    return ctx.insert_rows("credentials", rows)


# Values ------------------------------------------------------------------------------------------

_FRACTION = re.compile(r"(\.\d{6})\d+")  # Vault writes nanoseconds; datetime keeps microseconds
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def timestamp(value: Any, name: str) -> datetime | None:
    """ISO 8601 / RFC 3339 text or unix seconds (number or numeric text) as naive UTC; None when empty."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value.strip())):
            return datetime.fromtimestamp(float(value), UTC).replace(tzinfo=None)
        if not isinstance(value, str):
            raise ValueError
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()))
    except (ValueError, OverflowError, OSError):
        raise BadRecord(f"unparseable timestamp in `{name}`") from None
    if parsed.year >= NEVER_YEAR:  # converting to UTC could overflow; the value only means "never"
        return parsed.replace(tzinfo=None)
    return parsed if parsed.tzinfo is None else parsed.astimezone(UTC).replace(tzinfo=None)


def expiry(value: Any, name: str) -> datetime | None:
    """An expiry time; None both when absent and for the year-9999 "never expires" sentinel."""
    parsed = timestamp(value, name)
    return None if parsed is None or parsed.year >= NEVER_YEAR else parsed


def seconds(value: Any, name: str) -> int | None:
    """A duration in whole seconds; protojson and some OAuth servers send numbers as strings."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d+", value.strip()):
        return int(value)
    raise BadRecord(f"`{name}` is not a whole number of seconds")


def after(start: datetime | None, duration_s: int | None) -> datetime | None:
    return None if start is None or duration_s is None else start + timedelta(seconds=duration_s)


def text(record: dict[str, Any], key: str) -> str | None:
    """A non-empty scalar field as text (ids may be numbers), else None."""
    value = record.get(key)
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def words(value: Any) -> list[str]:
    """Scopes from an OAuth `scope` string (space-delimited) or a list, in order, without repeats."""
    items = value.split() if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else []
    return list(dict.fromkeys(items))


def jwt_claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT (not verified: only dates and names are read), None when it is opaque."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return None
    return payload if isinstance(payload, dict) else None


def record_id(ctx: LoadContext, record: dict[str, Any]) -> str:
    """A stable id for a record that carries none (keyed hash of its canonical JSON)."""
    return ctx.scanner.fingerprint(json.dumps(record, sort_keys=True, separators=(",", ":"), default=str))


# Detection ---------------------------------------------------------------------------------------


def mentions(head: str, *keys: str) -> bool:
    """Whether the head has any of `keys` as a JSON object key."""
    return any(re.search(rf'"{re.escape(k)}"\s*:', head) for k in keys)


def csv_header(head: str) -> list[str]:
    """Column names of a CSV head (first line only), lower-cased."""
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    return [c.strip().lower() for c in next(csv.reader([first]), [])]


# JSON ----------------------------------------------------------------------------------------------


class _LineDecoder(json.JSONDecoder):
    """A JSON decoder that remembers where every object starts (pure-Python scanner, small files)."""

    def __init__(self) -> None:
        super().__init__()
        # id → offset of the opening brace. The document keeps every object alive; an object dropped
        # as a duplicate key may free its id, but a later object reusing it overwrites the entry.
        self.starts: dict[int, int] = {}
        parse_object = self.parse_object

        def tracked(state: tuple[str, int], *args: Any) -> tuple[Any, int]:
            obj, end = parse_object(state, *args)
            self.starts[id(obj)] = state[1] - 1
            return obj, end

        self.parse_object = tracked
        self.scan_once = json.scanner.py_make_scanner(self)


@dataclass
class JsonDocument:
    """A whole JSON file, or one line of a JSON lines file (then every record is on `first_line`)."""

    value: Any
    first_line: int
    _starts: dict[int, int] | None = field(default=None, repr=False)  # None: one line, positions not needed
    _newlines: list[int] = field(default_factory=list, repr=False)

    def line(self, obj: Any) -> int | None:
        """Line of the `{` that opens `obj` (None for a non-object in a whole-file document)."""
        if self._starts is None:
            return self.first_line
        start = self._starts.get(id(obj))
        return None if start is None else self.first_line + bisect.bisect_left(self._newlines, start)


def _decode(text: str) -> JsonDocument:
    decoder = _LineDecoder()
    value = decoder.decode(text)
    return JsonDocument(value, 1, decoder.starts, [i for i, ch in enumerate(text) if ch == "\n"])


def json_documents(ctx: LoadContext, path: Path) -> Iterator[JsonDocument]:
    """The file as one JSON document, or as JSON lines (one document per line).

    JSON lines are recognised when the whole text fails with "Extra data" and its first line parses
    on its own; a bad line is then quarantined and the others load. Any other error rejects the file
    with the line of the error (a truncated file, for instance).
    """
    text = read_text(path)
    check_json_limits(text)  # depth and integer length, before a recursive parser sees the text
    try:
        whole = _decode(text)
    except json.JSONDecodeError as exc:
        lines = text.split("\n")
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        if exc.msg != "Extra data" or not _parses(lines[first]):
            raise BadRecord(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    else:
        yield whole
        return
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield JsonDocument(json.loads(line), number)  # the C decoder: no positions needed within a line
        except json.JSONDecodeError as exc:
            ctx.quarantine(path, FAMILY, f"invalid JSON line: {exc.msg} (column {exc.colno})", number)


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def unwrap(value: Any, wrappers: tuple[str, ...]) -> list[Any]:
    """Records of a document: the elements of an array, of a wrapper key's array, or the object itself."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for key in wrappers:
            if isinstance(value.get(key), list):
                return value[key]
    return [value]


Convert = Callable[[LoadContext, dict[str, Any]], list[Credential]]


def load_json(ctx: LoadContext, path: Path, fmt: str, convert: Convert, wrappers: tuple[str, ...] = ()) -> int:
    """Load a JSON credential file record by record: a bad record is quarantined, the rest load."""
    placed: list[tuple[int | None, Credential]] = []
    for doc in json_documents(ctx, path):
        for record in unwrap(doc.value, wrappers):
            line = doc.line(record)
            try:
                if not isinstance(record, dict):
                    raise BadRecord("record is not a JSON object")
                placed += [(line, c) for c in convert(ctx, record)]
            except BadRecord as exc:
                ctx.quarantine(path, FAMILY, exc.reason, exc.line or line or doc.first_line)
    return insert(ctx, path, fmt, placed)


# CSV -----------------------------------------------------------------------------------------------

_table_ids = itertools.count()


def sql_text(column: str, nulls: tuple[str, ...] = ()) -> str:
    """A trimmed text column with `nulls` (and the empty string) turned into NULL."""
    sentinels = ", ".join(["''", *(f"'{n}'" for n in nulls)])
    return f'CASE WHEN trim("{column}") IN ({sentinels}) THEN NULL ELSE trim("{column}") END'


def sql_timestamp(value: str) -> str:
    """SQL for ISO 8601 text → naive UTC TIMESTAMP (NULL when unparseable).

    A plain cast to TIMESTAMP would silently drop an offset, so text that carries one is cast to
    TIMESTAMPTZ and converted to UTC; text without one is taken as UTC already.
    """
    return (f"CASE WHEN regexp_matches({value}, '(Z|z|[+-]\\d\\d:?\\d\\d)$') "
            f"THEN timezone('UTC', try_cast({value} AS TIMESTAMPTZ)) ELSE try_cast({value} AS TIMESTAMP) END")


@contextmanager
def csv_table(ctx: LoadContext, path: Path, required: Iterable[str]) -> Iterator[str]:
    """Read a CSV with DuckDB into a temporary table of text columns plus `_line` (file line number).

    Rows DuckDB rejects (wrong column count, broken quoting) are quarantined with their line. DuckDB
    reports lines counting the header as 1 and blank lines too; the good rows' lines are the remaining
    non-blank lines in order. A quoted value spanning lines breaks that count: `_line` is then NULL
    rather than wrong. The tables are dropped afterwards (the rejects table holds raw lines).
    """
    content = read_text(path)
    header = csv_header(content)
    # Names go into SQL text, so only plain identifiers are accepted.
    if len(set(header)) != len(header) or not all(re.fullmatch(r"[a-z0-9_]+", c) for c in header):
        raise BadRecord("CSV header has empty, repeated or non-identifier column names", 1)
    missing = [c for c in required if c not in header]
    if missing:
        raise BadRecord(f"CSV header lacks column(s): {', '.join(missing)}", 1)
    n = next(_table_ids)
    raw, table, rejects, scans = f"_cred_raw_{n}", f"_cred_csv_{n}", f"_cred_rej_{n}", f"_cred_scan_{n}"
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in header) + "}"
    con = ctx.con
    try:
        con.execute(
            f"CREATE TEMP TABLE {raw} AS SELECT * FROM read_csv(?, header = true, auto_detect = false, "
            f"columns = {columns}, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
            f"store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{scans}')",
            [str(path)],
        )
        # One line can be rejected once per missing column; its error type, never its text, is the reason.
        rejected = con.execute(
            f"SELECT line, min(error_type::VARCHAR) FROM {rejects} GROUP BY line ORDER BY line"
        ).fetchall()
        for line, error_type in rejected:
            ctx.quarantine(path, FAMILY, f"malformed CSV row: {error_type.lower()}", int(line))
        bad = {int(line) for line, _ in rejected}
        physical = content.split("\n")
        good = [i for i, line in enumerate(physical, start=1) if i > 1 and line.strip("\r") and i not in bad]
        count = con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]
        lines = good if len(good) == count else None
        con.execute(f"CREATE TEMP TABLE {table} AS SELECT *, list_extract(?::INTEGER[], (rowid + 1)::INTEGER) "
                    f"AS _line FROM {raw}", [lines])
        yield table
    finally:
        for name in (raw, table, rejects, scans):
            con.execute(f"DROP TABLE IF EXISTS {name}")


def quarantine_rows(ctx: LoadContext, path: Path, rows_sql: str) -> None:
    """Quarantine every row of `rows_sql` (a query with `_line` and `problem` columns) that has a problem."""
    for line, reason in ctx.con.execute(
        f"SELECT _line, problem FROM ({rows_sql}) WHERE problem IS NOT NULL ORDER BY _line"
    ).fetchall():
        ctx.quarantine(path, FAMILY, reason, line)
