"""An evidence lake as an audit source: `audit/lake.yaml` points at a Parquet lake laid out as docs/lake.md says.

The lake is what `mcp-clearance export --parquet` writes, or what another system writes to the same contract (a
gateway's log pipeline, a Spark job). Its `tool_calls` and `target_events` (and `audit_digests` when present) are
read with DuckDB's Parquet reader, Hive partitions typed as the contract says, and appended to the run's tables;
`redact_loaded_audit` then runs over them like over every other audit table. Nothing of a lake is trusted further
than a log file is: its manifest must carry this version's schema_version, every column must have its contract type,
rows that lack a required value are set aside and counted, a file that is not readable Parquet is quarantined and
the rest loads, and every string (the lake's own source_file and source_format included, since another system wrote
them) passes the audit redaction before it reaches a table.

`path:` may be an `s3://` or `gs://` prefix, read through DuckDB's httpfs extension. The duckdb wheel does not carry
httpfs, and DuckDB would download it on first use; a run never downloads, so auto-installing is switched off and a
lake on object storage needs httpfs installed once beforehand (HTTPFS_MISSING says how).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from mcp_clearance.estate import Day, InputError, Strict, read_yaml, validate_mapping
from mcp_clearance.lake import MANIFEST, PARTITION_COLUMNS, PARTITION_TYPES, PARTITIONED_TABLES
from mcp_clearance.pipelines.base import BadRecord, LoadContext, describe_error
from mcp_clearance.pipelines.redaction import redact_table
from mcp_clearance.safe_load import MiB
from mcp_clearance.store import SCHEMA_VERSION

FORMAT = "lake"
PRIORITY = 5  # decided by the file's name alone, before any format looks at the content
CONFIG_FILE = "lake.yaml"
LAKE_TABLES = ("tool_calls", "target_events", "audit_digests", "quarantine")
# A lake without digests is a lake without tamper evidence, not a broken one; its quarantine table says which audit
# records its writer set aside (they are set aside in this run too, so the loss stays visible).
OPTIONAL_TABLES = {"audit_digests", "quarantine"}
REMOTE_SCHEMES = ("s3://", "gs://")
MAX_MANIFEST_BYTES = 1 * MiB
HTTPFS_INSTALL = "python -c \"import duckdb; duckdb.connect().install_extension('httpfs')\""
HTTPFS_MISSING = (f"the httpfs extension is not installed, and a run never downloads it: run `{HTTPFS_INSTALL}` "
                  "once where the network allows (as the user that runs mcp-clearance), or point path: at a local "
                  "copy of the lake")
# A lake column of another type is read when it converts without loss (another writer's narrower integers, a
# time zone aware timestamp, which is converted to UTC); any other type differing from the contract is refused.
WIDER_THAN = {
    "BIGINT": {"INTEGER", "SMALLINT", "TINYINT", "UINTEGER", "USMALLINT", "UTINYINT"},
    "INTEGER": {"SMALLINT", "TINYINT", "USMALLINT", "UTINYINT"},
    "DOUBLE": {"FLOAT"},
    "TIMESTAMP": {"TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"},
}
# Values the checks compare against: a row outside them is not evidence of what it claims.
VOCABULARIES = {
    "audit_digests": {"status": ("verified", "contradicted"), "signature": ("verified", "invalid", "not_checked")},
}
STAGE = "lake_rows"


class LakeConfig(Strict):
    """audit/lake.yaml."""

    path: Annotated[str, Field(min_length=1, max_length=4096)]
    tables: list[Literal["tool_calls", "target_events", "audit_digests", "quarantine"]] | None = None
    since: Day | None = None
    until: Day | None = None

    @model_validator(mode="after")
    def _window(self) -> LakeConfig:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError("since is after until")
        return self


class _ManifestTable(BaseModel):
    model_config = ConfigDict(extra="ignore")
    rows: Annotated[StrictInt, Field(ge=0)]
    partitioned_by: list[str] = []


class _Manifest(BaseModel):
    # a writer may add keys (its name, column lists): only these are read
    model_config = ConfigDict(extra="ignore")
    schema_version: StrictInt
    as_of: date | None = None
    tables: dict[str, _ManifestTable]


def detect(path: Path, head: str) -> bool:
    return path.name == CONFIG_FILE


def load(ctx: LoadContext, path: Path) -> int:
    config = _config(ctx, path)
    if config is None:
        return 0
    root = _root(ctx, path, config)
    manifest = _manifest(ctx.con, root)
    loaded = 0
    for table in config.tables or LAKE_TABLES:
        if table not in manifest.tables:
            if table not in OPTIONAL_TABLES:
                ctx.quarantine(path, "audit", f"the lake's {MANIFEST} lists no {table} table; none loaded")
            continue
        lake_table = _LakeTable(ctx, path, root, table, config, manifest.tables[table])
        if table == "quarantine":
            lake_table.carry_quarantine()
        else:
            loaded += lake_table.load()
    return loaded


def _config(ctx: LoadContext, path: Path) -> LakeConfig | None:
    """lake.yaml validated; each problem is quarantined with its line, and nothing is read from the lake."""
    relative = ctx.relative(path)
    data, node, errors = read_yaml(path, relative)
    config = None
    if not errors and not isinstance(data, dict):
        errors = [InputError(relative, None, "", "expected a mapping with path: at the top level")]
    if not errors:
        config, errors = validate_mapping(data, node, relative, LakeConfig)
    for error in errors:
        ctx.quarantine(path, "audit", f"{error.field}: {error.message}" if error.field else error.message,
                       error.line)
    return config  # type: ignore[return-value]


def _root(ctx: LoadContext, path: Path, config: LakeConfig) -> str:
    """The lake's root as DuckDB reads it: an object-store prefix (httpfs loaded) or an absolute local folder."""
    if any(ch in config.path for ch in "*?[]{}"):
        raise BadRecord("path: a lake folder, not a glob pattern (no * ? [ ] { })")
    # a run never downloads: without this DuckDB would fetch httpfs on the first s3:// path it meets
    ctx.con.execute("SET autoinstall_known_extensions = false")
    if config.path.startswith(REMOTE_SCHEMES):
        row = ctx.con.execute("SELECT installed FROM duckdb_extensions() WHERE extension_name = 'httpfs'").fetchone()
        if not row or not row[0]:
            raise BadRecord(HTTPFS_MISSING)
        ctx.con.execute("LOAD httpfs")
        return config.path.rstrip("/")
    if "://" in config.path:
        raise BadRecord("path: a local folder or an s3:// or gs:// prefix")
    folder = (path.parent / config.path).resolve()
    if not folder.is_dir():
        raise BadRecord("path: no lake folder there (a relative path is read from the folder of lake.yaml)")
    return folder.as_posix()


def _manifest(con: duckdb.DuckDBPyConnection, root: str) -> _Manifest:
    where = f"{root}/{MANIFEST}"
    try:
        size = con.execute("SELECT size FROM read_blob(?)", [where]).fetchall()
        if not size:
            raise BadRecord(f"the lake has no {MANIFEST} (docs/lake.md): nothing is read from a lake whose schema "
                            "version is unknown")
        if size[0][0] > MAX_MANIFEST_BYTES:
            raise BadRecord(f"the lake's {MANIFEST} is larger than {MAX_MANIFEST_BYTES // MiB} MiB")
        content = con.execute("SELECT content FROM read_text(?)", [where]).fetchone()[0]
    except duckdb.Error as exc:
        raise BadRecord(f"the lake's {MANIFEST} could not be read: {describe_error(exc)}") from None
    try:
        manifest = _Manifest.model_validate(json.loads(content))
    except (ValueError, ValidationError):  # pydantic's message would quote the value
        raise BadRecord(f"the lake's {MANIFEST} is not a manifest of docs/lake.md (schema_version, tables with "
                        "rows)") from None
    if manifest.schema_version != SCHEMA_VERSION:
        raise BadRecord(f"the lake was written for schema version {manifest.schema_version}; this version of MCP "
                        f"Clearance reads schema version {SCHEMA_VERSION}: export the lake again with "
                        "`mcp-clearance export`, or have its writer follow this version's docs/lake.md")
    return manifest


class _LakeTable:
    """One table of the lake loaded into the run's table of the same name."""

    def __init__(self, ctx: LoadContext, config_file: Path, root: str, table: str, config: LakeConfig,
                 listed: _ManifestTable) -> None:
        self.ctx, self.con, self.config_file, self.root, self.table = ctx, ctx.con, config_file, root, table
        self.config, self.listed = config, listed
        self.partitioned = table in PARTITIONED_TABLES
        self.columns: dict[str, str] = dict(self.con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main' "
            "AND database_name = current_database() ORDER BY column_index", [table]).fetchall())
        self.required = [c for (c,) in self.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main' "
            "AND database_name = current_database() AND NOT is_nullable ORDER BY column_index", [table]).fetchall()]

    def quarantine(self, reason: str) -> None:
        self.ctx.quarantine(self.config_file, "audit", f"{self.table}: {reason}")

    def load(self) -> int:
        files = self._files()
        if not files:
            if self.listed.rows:
                self.quarantine(f"the manifest lists {self.listed.rows} row(s), the lake holds no Parquet file")
            return 0
        with self._staging():
            complete = self._stage_all(files)
            staged = int(self.con.execute(f"SELECT count(*) FROM {STAGE}").fetchone()[0])
            windowed = self.config.since is not None or self.config.until is not None
            if complete and not windowed and staged != self.listed.rows:
                self.quarantine(f"the lake holds {staged} row(s), its manifest lists {self.listed.rows} (a partial "
                                "copy?); the rows present are loaded")
            self._set_aside_invalid()
            redact_table(self.con, STAGE)  # every string: another system wrote this lake, its paths included
            names = ", ".join(f'"{c}"' for c in self.columns)
            before = self.con.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]
            self.con.execute(f"INSERT INTO {self.table} ({names}) SELECT {names} FROM {STAGE}")
            return int(self.con.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0] - before)

    @contextmanager
    def _staging(self) -> Iterator[None]:
        """The temp table rows are read into, typed like the run's table (without its NOT NULL constraints, so a
        row lacking a required value can be counted and set aside) plus the lake file each row came from."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE} AS SELECT * FROM {self.table} LIMIT 0")
        self.con.execute(f"ALTER TABLE {STAGE} ADD COLUMN lake_file VARCHAR")
        try:
            yield
        finally:
            self.con.execute(f"DROP TABLE IF EXISTS {STAGE}")

    def carry_quarantine(self) -> None:
        """The audit records the lake's writer set aside, set aside here with their file, line and reason (each
        reason made safe again: another writer's text may quote its input)."""
        files = self._files()
        if not files:
            return
        with self._staging():
            self._stage_all(files)
            self._set_aside_invalid()
            redact_table(self.con, STAGE)
            for source, line, reason in self.con.execute(
                    f"SELECT source_file, line, reason FROM {STAGE} WHERE family = 'audit' "
                    "ORDER BY source_file, line NULLS FIRST, reason").fetchall():
                self.ctx.quarantine(source, "audit", reason, None if line is None else int(line))

    def _files(self) -> list[str]:
        """The table's Parquet files in a stable order; Hive's hidden files (`_SUCCESS`, `.crc`, `_temporary/`)
        are passed over, files outside the partition layout are quarantined, since/until prune partitions."""
        try:
            found = [f for (f,) in self.con.execute("SELECT file FROM glob(?) ORDER BY file",
                                                    [f"{self.root}/{self.table}/**/*.parquet"]).fetchall()]
        except duckdb.Error as exc:
            self.quarantine(f"the lake's folder could not be listed: {describe_error(exc)}")
            return []
        files = []
        for file in found:
            relative = self._relative(file)
            parts = relative.split("/")
            if any(part.startswith(("_", ".")) for part in parts[1:]):
                continue
            if self.partitioned:
                keys = [part.split("=", 1)[0] for part in parts[1:-1]]
                if keys != list(PARTITION_COLUMNS):
                    self.quarantine(f"{relative} is not in the partition layout {self.table}/"
                                    + "/".join(f"{c}=…" for c in PARTITION_COLUMNS) + "/; not read")
                    continue
                if not self._in_window(parts[1].split("=", 1)[1]):
                    continue
            files.append(file)
        return files

    def _relative(self, file: str) -> str:
        return file[len(self.root) + 1:] if file.startswith(self.root + "/") else file

    def _in_window(self, day_text: str) -> bool:
        try:
            day = date.fromisoformat(day_text)
        except ValueError:  # the NULL partition, or a value no date: kept, the rows' own times decide
            return True
        since, until = self.config.since, self.config.until
        return (since is None or day >= since) and (until is None or day <= until)

    def _stage_all(self, files: list[str]) -> bool:
        """Stage every file in one read; when that fails (a corrupt file, a type that differs in one file), file
        by file, so each bad file is quarantined and the rest loads. True when every file was read."""
        try:
            self._stage(files)
            return True
        except (BadRecord, duckdb.Error):
            self.con.execute(f"DELETE FROM {STAGE}")
        complete = True
        for file in files:
            try:
                self._stage([file])
            except BadRecord as exc:
                self.quarantine(f"{self._relative(file)}: {exc.reason}; not read")
                complete = False
            except duckdb.Error as exc:
                self.quarantine(f"{self._relative(file)}: not a readable Parquet file ({describe_error(exc)}); "
                                "not read")
                complete = False
        return complete

    def _reader(self) -> str:
        hive = ("hive_partitioning = true, hive_types = {"
                + ", ".join(f"'{c}': '{t}'" for c, t in PARTITION_TYPES.items()) + "}"
                if self.partitioned else "hive_partitioning = false")
        return f"read_parquet(?::VARCHAR[], {hive}, union_by_name = true, filename = 'lake_file')"

    def _stage(self, files: list[str]) -> None:
        found = dict(self.con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {self._reader()})",
                                      [files]).fetchall())
        projection = [self._column(name, kind, found) for name, kind in self.columns.items()]
        window = self._row_window() if self.partitioned else "true"
        self.con.execute(f"INSERT INTO {STAGE} SELECT {', '.join(projection)}, lake_file "
                         f"FROM {self._reader()} WHERE {window}", [files])

    def _column(self, name: str, kind: str, found: dict[str, str]) -> str:
        if name not in found:
            if name in self.required and name != "source_file":
                raise BadRecord(f"no column {name}, which the contract requires")
            value = "NULL"
        else:
            if found[name] != kind and found[name] not in WIDER_THAN.get(kind, ()):
                raise BadRecord(f"column {name} is {found[name]}, the contract says {kind}")
            value = f'"{name}"'
        if name == "source_file":  # provenance another writer left out: the lake file the row was read from
            fallback = "'" + self._config_relative().replace("'", "''") + "#' || " + self._sql_relative("lake_file")
            value = fallback if value == "NULL" else f"coalesce(nullif({value}, ''), {fallback})"
        return f"CAST({value} AS {kind}) AS \"{name}\""

    def _config_relative(self) -> str:
        return self.ctx.relative(self.config_file)

    def _sql_relative(self, column: str) -> str:
        return f"substr({column}, {len(self.root) + 2})"

    def _row_window(self) -> str:
        since, until = self.config.since, self.config.until
        conditions = [f"occurred_at::DATE >= DATE '{since.isoformat()}'"] if since else []
        conditions += [f"occurred_at::DATE <= DATE '{until.isoformat()}'"] if until else []
        return f"(occurred_at IS NULL OR ({' AND '.join(conditions)}))" if conditions else "true"

    def _set_aside_invalid(self) -> None:
        """Rows without a required value, or with a value outside what the checks compare against, are not
        loaded: one quarantine record per file and column says how many."""
        rules = [(f'"{c}" IS NULL', f"without {c}") for c in self.required]
        rules += [(f'"{c}" NOT IN ({", ".join(repr(v) for v in values)})', f"with a {c} outside "
                   + " | ".join(values)) for c, values in VOCABULARIES.get(self.table, {}).items()]
        for condition, what in rules:
            bad = self.con.execute(f"SELECT {self._sql_relative('lake_file')}, count(*) FROM {STAGE} "
                                   f"WHERE {condition} GROUP BY ALL ORDER BY 1").fetchall()
            for file, count in bad:
                self.quarantine(f"{file}: {count} row(s) {what} set aside")
            if bad:
                self.con.execute(f"DELETE FROM {STAGE} WHERE {condition}")
