"""Same delivery, same answer on both engines (issue 15 item 3): the demo and a generated delivery with bad rows
(conftest.py) landed and built on local Spark and on DuckDB, compared table by table, row by row — every raw table,
every mart and report that builds on Spark. test_spark_history.py does the same over daily runs with late data.

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

from spark_lane import DBT, SparkBuild, differences, published_tables, raw_differences, spark_env

from orchestration.settings import DBT_PROJECT_DIR

# mart / report → why it does not build on Spark yet (the first DuckDB-only construct on its path)
NOT_YET_PORTED: dict[str, str] = {}

def test_landing_lands_the_same_raw_tables(spark_build: SparkBuild, duckdb_build):
    """Landing on Spark: every row with the same row number, content hash and load, the same quarantined records
    and the same I1 counts per file as the DuckDB landing."""
    problems = raw_differences(duckdb_build.build_db, spark_build)
    assert not problems, "\n".join(f"raw.{t}: {d}" for t, d in problems.items())


def test_marts_are_the_same_on_both_engines(spark_build: SparkBuild, duckdb_build):
    """Every published mart and report that builds on Spark holds the same rows as on DuckDB; the ones that do
    not build are exactly NOT_YET_PORTED."""
    published = published_tables(spark_build)
    assert published, "no marts in the manifest"
    unknown = sorted(set(NOT_YET_PORTED) - set(published))
    assert not unknown, f"NOT_YET_PORTED names models that are not published marts: {unknown}"
    failures, equal, now_ported = {}, [], []
    for name in sorted(published):
        built = spark_build.statuses.get(name) == "success" and spark_build.has_table("marts", name)
        if name in NOT_YET_PORTED:
            if built and differences(duckdb_build.build_db, "marts", name, spark_build) is None:
                now_ported.append(name)
            continue
        if not built:
            failures[name] = (f"did not build on Spark ({spark_build.statuses.get(name, 'not run')}): "
                              f"{spark_build.messages.get(name, '')}")
            continue
        diff = differences(duckdb_build.build_db, "marts", name, spark_build)
        if diff:
            failures[name] = diff
        else:
            equal.append(name)
    print(f"\nSpark lane: {len(equal)} of {len(published)} published marts built and equal: {', '.join(equal)}")
    assert not now_ported, f"built on Spark and equal to DuckDB, take them off NOT_YET_PORTED: {now_ported}"
    assert not failures, "\n".join(f"marts.{n}: {d}" for n, d in failures.items())


def test_every_data_test_passes_on_spark(spark_build: SparkBuild):
    """The build's data tests pass on Spark as on DuckDB: the SPEC's invariants I1–I7 (dbt_project/tests/*/assert_i*,
    each checked to have run), the R-rule tests and every column test of the published marts."""
    tests = spark_build.data_tests
    invariants = sorted(name for name in tests if name.startswith("assert_i"))
    assert [name[:9] for name in invariants] == [f"assert_i{n}" for n in range(1, 8)], invariants
    failing = {name: (status, spark_build.messages.get(name, "")) for name, status in tests.items() if status != "pass"}
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
