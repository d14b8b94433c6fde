"""The reduction on Apache Spark (docs/scale.md), proved on real Spark in local mode.

The sample estate is run plainly, exported as a lake (`mcp-clearance export --parquet`), reduced on Spark by
`python -m mcp_clearance.spark reduce`, and run again with `--reduced`: each aggregate Spark wrote must be the
DuckDB path's table row for row, with the same column types, and every check result, finding, verdict and view
of the second run must be the first run's. The DuckDB-only constructs the translation rewrites (GLOB,
time_bucket, list slices, to_days, list_has_any) are compared on their edge cases against DuckDB itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from mcp_clearance import lake
from mcp_clearance.cli import main as cli
from mcp_clearance.evaluate import MATERIALISED_VIEWS, queries_dir
from mcp_clearance.run import run
from mcp_clearance.sample_estate import DEFAULT_AS_OF
from mcp_clearance.spark.__main__ import main as spark_main
from mcp_clearance.spark.reduced import MANIFEST, ReducedManifest, ReducedProblem
from mcp_clearance.spark.translate import Untranslatable, to_spark, views_needed
from mcp_clearance.store import SCHEMA_VERSION

pytestmark = pytest.mark.spark

SAMPLE = Path(__file__).parent.parent / "sample_data"
# What the reduced run may differ in from the plain run: when it was published (its own clock).
PROVENANCE = {"run_context", "runs", "clearance_meta"}


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from mcp_clearance.spark.reduce import local_session

    with local_session("mcp-clearance-tests") as session:
        yield session


@pytest.fixture(scope="module")
def reduced(sample_run: Path, spark: object, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """export → Spark reduce, through both commands as an operator runs them."""
    folder = tmp_path_factory.mktemp("spark")
    result = CliRunner().invoke(cli, ["export", "--db", str(sample_run), "--parquet", str(folder / "lake")])
    assert result.exit_code == 0, result.output
    assert spark_main(["reduce", "--lake", str(folder / "lake"), "--out", str(folder / "reduced")]) == 0
    return folder / "reduced"


@pytest.fixture(scope="module")
def reduced_run(reduced: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("reduced_run") / "estate.duckdb"
    result = CliRunner().invoke(cli, ["run", str(SAMPLE), "--db", str(db), "--as-of", DEFAULT_AS_OF.isoformat(),
                                      "--reduced", str(reduced)])
    assert result.exit_code in (0, 1), result.output  # 1: the sample estate plants quarantined records
    return db


def rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple]:
    return sorted(con.execute(query).fetchall(), key=repr)


def column_types(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


# -- the aggregates -----------------------------------------------------------------------------------------------


def test_the_manifest_names_every_materialised_view_with_its_rows(reduced: Path) -> None:
    manifest = ReducedManifest.model_validate_json((reduced / MANIFEST).read_text())
    assert manifest.as_of == DEFAULT_AS_OF
    assert set(manifest.views) == set(MATERIALISED_VIEWS)
    with duckdb.connect() as con:
        for name, count in manifest.views.items():
            assert con.execute("SELECT count(*) FROM read_parquet(?)",
                               [str(reduced / name / "*.parquet")]).fetchone()[0] == count


@pytest.mark.parametrize("view", MATERIALISED_VIEWS)
def test_each_aggregate_spark_wrote_is_the_duckdb_table_row_for_row(sample_run: Path, reduced: Path, view: str) -> None:
    with duckdb.connect(str(sample_run), read_only=True) as con:
        expected = column_types(con, f"{view}_materialised")
        # Spark's own Parquet types, normalised to DuckDB's by name: a missing or extra column fails here
        written = [name for name, _ in column_types(con, f"read_parquet('{reduced / view}/*.parquet')")]
        assert sorted(written) == sorted(name for name, _ in expected)
        casts = ", ".join(f'CAST("{name}" AS {kind}) AS "{name}"' for name, kind in expected)
        spark_rows = rows(con, f"SELECT {casts} FROM read_parquet('{reduced / view}/*.parquet')")
        duckdb_rows = rows(con, f"SELECT * FROM {view}_materialised")
    assert len(duckdb_rows) > 0
    assert spark_rows == duckdb_rows


def test_the_reduced_run_loads_each_table_with_the_duckdb_paths_column_types(sample_run: Path,
                                                                            reduced_run: Path) -> None:
    with duckdb.connect(str(sample_run), read_only=True) as a, duckdb.connect(str(reduced_run), read_only=True) as b:
        for view in MATERIALISED_VIEWS:
            assert column_types(b, f"{view}_materialised") == column_types(a, f"{view}_materialised"), view


# -- the judgement ------------------------------------------------------------------------------------------------


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                                      "ORDER BY table_name").fetchall()]


def test_the_reduced_run_gives_the_plain_runs_check_results_findings_verdicts_and_views(
        sample_run: Path, reduced_run: Path) -> None:
    with duckdb.connect(str(sample_run), read_only=True) as a, duckdb.connect(str(reduced_run), read_only=True) as b:
        names = relations(a)
        assert relations(b) == names
        for must in ("check_results", "findings", "verdicts", "gate_results", "tool_calls_in_window",
                     *(f"{view}_materialised" for view in MATERIALISED_VIEWS), *(p.stem for p in
                                                                                 queries_dir().glob("*.sql"))):
            assert must in names
        for name in names:
            if name not in PROVENANCE:
                assert rows(b, f'SELECT * FROM "{name}"') == rows(a, f'SELECT * FROM "{name}"'), name
        # the comparison is not of two empty runs: the sample estate has verdicts of every stage, audit findings
        assert {r[0] for r in b.execute("SELECT DISTINCT verdict FROM verdicts").fetchall()} == {
            "BLOCKED", "READ_ONLY", "CLEARED"}
        assert {r[0] for r in b.execute("SELECT DISTINCT status FROM check_results JOIN check_catalog "
                                        "USING (check_id) WHERE gate = 'audit'").fetchall()} >= {"PASS", "FAIL"}


def test_a_reduction_of_another_as_of_date_is_refused_and_nothing_is_published(tmp_path: Path) -> None:
    reduced = tmp_path / "reduced"
    reduced.mkdir()
    manifest = ReducedManifest(schema_version=SCHEMA_VERSION, as_of=DEFAULT_AS_OF,
                               views=dict.fromkeys(MATERIALISED_VIEWS, 1))
    (reduced / MANIFEST).write_text(manifest.model_dump_json())
    db = tmp_path / "estate.duckdb"
    result = CliRunner().invoke(cli, ["run", str(SAMPLE), "--db", str(db), "--as-of", "2026-11-19",
                                      "--reduced", str(reduced)])
    assert result.exit_code == 2
    assert "reduced as of 2026-11-20" in result.output and "2026-11-19" in result.output
    assert "Traceback" not in result.output
    assert not db.exists()


def test_a_folder_without_a_reduction_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReducedProblem, match=r"no manifest\.json"):
        run(SAMPLE, tmp_path / "estate.duckdb", as_of=DEFAULT_AS_OF, reduced=tmp_path)
    assert not (tmp_path / "estate.duckdb").exists()


def test_a_lake_of_another_schema_version_is_an_error_not_a_traceback(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "lake").mkdir()
    (tmp_path / "lake" / lake.MANIFEST).write_text('{"schema_version": 0, "as_of": "2026-11-20", "tables": {}}')
    assert spark_main(["reduce", "--lake", str(tmp_path / "lake"), "--out", str(tmp_path / "out")]) == 2
    assert "schema version 0" in capsys.readouterr().err


# -- the translation ----------------------------------------------------------------------------------------------


def test_the_reduction_covers_the_materialised_views_and_what_they_read_dependencies_first() -> None:
    order = views_needed(MATERIALISED_VIEWS, queries_dir())
    assert set(MATERIALISED_VIEWS) <= set(order)
    # tool_calls_in_window reads the thresholds of the system's tier, which come from its tools
    for before, after in (("system_connectors", "tool_calls_resolved"), ("tool_calls_resolved", "tool_calls_in_window"),
                          ("tool_call_targets", "tool_calls_in_window"), ("system_policy", "tool_calls_in_window"),
                          ("system_tiers", "system_policy"), ("tool_capabilities", "system_tools")):
        assert order.index(before) < order.index(after)


@pytest.mark.parametrize(("select", "why"), [
    ("SELECT len(name) AS n FROM t", "array_length"),
    ("SELECT time_bucket(INTERVAL 1 MONTH, ts) AS b FROM t", "MONTH"),
    ("SELECT name[i:3] AS s FROM t", "slices"),
])
def test_what_has_no_exact_spark_meaning_is_refused_not_guessed(select: str, why: str) -> None:
    with pytest.raises(Untranslatable, match=why):
        to_spark(f"CREATE OR REPLACE VIEW v AS {select};", "v")


# Each row: (text, GLOB pattern, timestamp, list, days). The patterns hold every regex metacharacter a translation
# must escape; the timestamps sit on, just before and after 5-minute and 7-day bucket edges, before DuckDB's
# time_bucket origin (2000-01-03) and before the Unix epoch.
EDGES = """
SELECT * FROM (VALUES
    ('audit/a.json',     'audit/*.json',    TIMESTAMP '2026-11-20 10:05:00',        ['a', 'b', 'c'], 3),
    ('audit/aXjson',     'audit/*.json',    TIMESTAMP '2026-11-20 10:04:59.999999', ['a'],           0),
    ('a/b/c.yaml',       '*.yaml',          TIMESTAMP '2026-11-20 00:00:00',        [],              30),
    ('x(1)+y.txt',       'x(1)+y.???',      TIMESTAMP '1999-12-31 23:58:00',        ['x', 'y'],      1),
    ('cfg{a}|$^.json',   'cfg{a}|$^.*',     TIMESTAMP '1969-12-31 23:59:59',        ['x', 'y'],      7),
    ('b1.json',          '[abc]?.json',     TIMESTAMP '2000-01-03 00:00:00',        ['p', 'q', 'r'], 2),
    ('d1.json',          '[!abc]?.json',    TIMESTAMP '2000-01-09 23:59:59',        ['p', 'q', 'r'], 5),
    ('a1.json',          '[!abc]?.json',    TIMESTAMP '2000-01-10 00:00:00',        ['p'],           9),
    ('back\\slash',      'back\\*',         NULL,                                   NULL,            NULL)
) AS t(s, p, ts, l, d)
"""
EDGE_VIEW = f"""CREATE OR REPLACE VIEW edges AS
SELECT s, p, s GLOB p AS matches,
       time_bucket(INTERVAL 5 MINUTE, ts) AS five_minutes, time_bucket(INTERVAL 7 DAY, ts) AS week,
       l[1:d] AS head, array_length(l) AS n, list_has_any(l, ['a', 'q']) AS has_a_or_q,
       ts >= DATE '2026-11-20' - to_days(d) AS in_window
FROM ({EDGES}) AS e;"""


def test_each_rewritten_duckdb_construct_means_on_spark_what_it_means_in_duckdb(spark: object) -> None:
    with duckdb.connect() as con:
        con.execute(EDGE_VIEW)
        expected = rows(con, "SELECT * FROM edges")
    got = sorted((tuple(r) for r in spark.sql(to_spark(EDGE_VIEW, "edges")).collect()),  # type: ignore[attr-defined]
                 key=repr)
    # Spark returns timestamps as naive datetimes and lists as lists, as DuckDB does: no normalising needed
    assert [tuple(r) for r in got] == expected
    assert any(r[2] for r in expected) and not all(r[2] for r in expected if r[2] is not None)
    assert datetime(1999, 12, 27) in {r[4] for r in expected}  # a week bucket before the origin is on a Monday
