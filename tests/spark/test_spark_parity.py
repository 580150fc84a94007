"""Same delivery, same answer on both engines (issue 15 item 3): the demo landed and built on local Spark and on
DuckDB, compared table by table, row by row — every raw table, every mart and report that builds on Spark.

The marts that do not build on Spark yet are listed in NOT_YET_PORTED with what stops them; the list is exact:
a listed mart that builds and compares equal fails the test too (take it off the list), so the lane shows its
progress honestly. Numbers are compared as exact decimals (an amount to the cent and beyond), text and ids
exactly, timestamps as UTC instants.
"""

from __future__ import annotations

import json
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from spark_lane import DBT, SparkBuild, duckdb_lane_warehouse, spark_env

from orchestration.contract import BY_NAME
from orchestration.settings import DBT_PROJECT_DIR

# mart / report → why it does not build on Spark yet (the first DuckDB-only construct on its path)
NOT_YET_PORTED: dict[str, str] = {}

NUMERIC = ("DECIMAL", "INTEGER", "BIGINT", "HUGEINT", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER")


@pytest.fixture(scope="module")
def duckdb_demo(tmp_path_factory, demo_dir):
    w = duckdb_lane_warehouse()(tmp_path_factory.mktemp("duckdb-demo"))
    w.build(demo_dir)
    return w


def _published_tables(spark: SparkBuild) -> dict[str, str]:
    """Every model dbt publishes in the marts schema as a table (marts and reports) → its materialization."""
    manifest = json.loads((spark.root / "target" / "manifest.json").read_text())
    return {n["name"]: n["config"]["materialized"] for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["schema"] == "marts"
            and n["config"]["materialized"] in ("table", "incremental")}


def _normalized(con: duckdb.DuckDBPyConnection, relation: str, columns: list[tuple[str, str]]) -> str:
    exprs = []
    for name, kind in columns:
        q = f'"{name}"'
        if kind.startswith(NUMERIC):
            exprs.append(f"cast({q} as decimal(38, 10)) as {q}")
        elif kind in ("DOUBLE", "FLOAT", "REAL"):
            exprs.append(f"round({q}, 9) as {q}")
        elif kind.startswith("TIMESTAMP"):
            exprs.append(f"cast(cast({q} as timestamp) as varchar) as {q}")
        else:
            exprs.append(f"cast({q} as varchar) as {q}")
    return f"select {', '.join(exprs)} from {relation}"


def _differences(duck_db: Path, spark: SparkBuild, schema: str, table: str) -> str | None:
    """None when the table holds the same rows on both engines, else what differs (first rows each way)."""
    with duckdb.connect() as con:
        con.execute(f"attach '{duck_db}' as d (read_only)")
        columns = [(r[0], r[1]) for r in con.execute(
            "select column_name, data_type from information_schema.columns where table_catalog = 'd' "
            "and table_schema = ? and table_name = ? order by ordinal_position", [schema, table]).fetchall()]
        assert columns, f"{schema}.{table} is not in the DuckDB build"
        spark.rows(con, schema, table).create_view("s")
        spark_columns = {r[0].lower() for r in con.execute("describe s").fetchall()}
        missing = [c for c, _ in columns if c.lower() not in spark_columns]
        if missing:
            return f"columns missing on Spark: {missing}"
        duck = _normalized(con, f'd."{schema}"."{table}"', columns)
        other = _normalized(con, "s", columns)
        counts = con.execute(f"select (select count(*) from d.\"{schema}\".\"{table}\"), (select count(*) from s)"
                             ).fetchall()[0]
        only_duck = con.execute(f"select * from ({duck} except all {other}) limit 3").fetchall()
        only_spark = con.execute(f"select * from ({other} except all {duck}) limit 3").fetchall()
    if counts[0] == counts[1] and not only_duck and not only_spark:
        return None
    names = [c for c, _ in columns]
    return (f"{counts[0]} rows on DuckDB, {counts[1]} on Spark; columns {names}\n"
            f"  only on DuckDB: {only_duck}\n  only on Spark: {only_spark}")


def test_landing_lands_the_same_raw_tables(spark_demo: SparkBuild, duckdb_demo):
    """Landing on Spark: every row with the same row number, content hash and load, the same quarantined records
    and the same I1 counts per file as the DuckDB landing."""
    problems = {}
    for table in [*BY_NAME, "_landed_files", "_unparseable_rows", "_ignored_files"]:
        if not spark_demo.has_table("raw", table):
            empty = duckdb_demo.query(f'select count(*) from raw."{table}"')[0][0] == 0
            if not empty:
                problems[table] = "not landed on Spark"
            continue
        diff = _differences(duckdb_demo.build_db, spark_demo, "raw", table)
        if diff:
            problems[table] = diff
    assert not problems, "\n".join(f"raw.{t}: {d}" for t, d in problems.items())


def test_marts_are_the_same_on_both_engines(spark_demo: SparkBuild, duckdb_demo):
    """Every published mart and report that builds on Spark holds the same rows as on DuckDB; the ones that do
    not build are exactly NOT_YET_PORTED."""
    published = _published_tables(spark_demo)
    assert published, "no marts in the manifest"
    unknown = sorted(set(NOT_YET_PORTED) - set(published))
    assert not unknown, f"NOT_YET_PORTED names models that are not published marts: {unknown}"
    failures, equal, now_ported = {}, [], []
    for name in sorted(published):
        built = spark_demo.statuses.get(name) == "success" and spark_demo.has_table("marts", name)
        if name in NOT_YET_PORTED:
            if built and _differences(duckdb_demo.build_db, spark_demo, "marts", name) is None:
                now_ported.append(name)
            continue
        if not built:
            failures[name] = (f"did not build on Spark ({spark_demo.statuses.get(name, 'not run')}): "
                              f"{spark_demo.messages.get(name, '')}")
            continue
        diff = _differences(duckdb_demo.build_db, spark_demo, "marts", name)
        if diff:
            failures[name] = diff
        else:
            equal.append(name)
    print(f"\nSpark lane: {len(equal)} of {len(published)} published marts built and equal: {', '.join(equal)}")
    assert not now_ported, f"built on Spark and equal to DuckDB, take them off NOT_YET_PORTED: {now_ported}"
    assert not failures, "\n".join(f"marts.{n}: {d}" for n, d in failures.items())


def test_every_data_test_passes_on_spark(spark_demo: SparkBuild):
    """The build's data tests pass on Spark as on DuckDB: the SPEC's invariants I1–I7 (dbt_project/tests/*/assert_i*,
    each checked to have run), the R-rule tests and every column test of the published marts."""
    results = json.loads((spark_demo.root / "target" / "run_results.json").read_text())["results"]
    tests = {r["unique_id"].split(".")[2]: r["status"] for r in results if r["unique_id"].startswith("test.")}
    invariants = sorted(name for name in tests if name.startswith("assert_i"))
    assert [name[:9] for name in invariants] == [f"assert_i{n}" for n in range(1, 8)], invariants
    failing = {name: (status, spark_demo.messages.get(name, "")) for name, status in tests.items() if status != "pass"}
    assert not failing, "\n".join(f"{n}: {s} {m}" for n, (s, m) in sorted(failing.items()))
    print(f"\nSpark lane: {len(tests)} data tests passed, invariants {', '.join(invariants)}")


CASES = ["2.345", "-2.345", "0.005", "-0.005", "2.344", "-2.344", "-1.995", "1.995", "-0.015", "12345678.125",
         "-12345678.125"]


def _show(sql: str, target: str, env: dict, root: Path) -> list[dict]:
    proc = subprocess.run([DBT, "show", "--inline", sql, "--output", "json", "--limit", "100", "--target", target,
                           "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(root / "target"),
                           "--log-path", str(root / "logs"), "--log-format", "json", "--quiet"],
                          cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"dbt show --target {target} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
    for line in proc.stdout.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        preview = event.get("data", {}).get("preview")
        if preview:
            return json.loads(preview)
    raise AssertionError(f"no rows in dbt show's output:\n{proc.stdout[-3000:]}")


def test_money_rounds_half_away_from_zero_on_both_engines(tmp_path):
    """R5 on Spark: money() and divide_round() round half away from zero, negatives included (Spark's round on a
    DECIMAL is HALF_UP, i.e. away from zero for negatives too), as DuckDB does — checked against Python's
    ROUND_HALF_UP on values with a half cent."""
    selects = " union all ".join(
        f"select '{v}' as v, cast({{{{ money('cast(' ~ \"{v}\" ~ ' as decimal(18, 3))') }}}} as string) as money, "
        f"cast({{{{ divide_round('cast(' ~ \"{v}\" ~ ' as decimal(18, 3)) * 2', '2', 2) }}}} as string) as divided"
        for v in CASES)
    expected = {v: str(Decimal(v).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) for v in CASES}
    spark_rows = _show(selects, "spark", spark_env(tmp_path / "spark"), tmp_path / "spark-show")
    duck_env = {**spark_env(tmp_path / "spark"), "FIELDLEDGER_BUILD_DB": str(tmp_path / "show.duckdb")}
    duck_rows = _show(selects.replace(" as string)", " as varchar)"), "duckdb", duck_env, tmp_path / "duck-show")
    for engine, rows in (("spark", spark_rows), ("duckdb", duck_rows)):
        got = {r["v"]: (r["money"], r["divided"]) for r in rows}
        assert got == {v: (e, e) for v, e in expected.items()}, f"{engine}: {got}\nexpected {expected}"
