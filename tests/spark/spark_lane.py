"""Helpers of the Spark lane's tests (issue 15): real local Spark (pyspark, dbt-spark `method: session`) beside the DuckDB build of the
same delivery. Run by `make test-spark`, never by `make test` (pyproject's addopts ignore this folder).

Spark runs in processes of its own (landing, then dbt), one at a time: the Derby metastore of a Spark warehouse
folder admits one process. The Spark side's tables are then read as the Parquet files they are, with DuckDB, so
the test process starts no JVM of its own.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.contract import BY_NAME
from orchestration.dbt import dbt_build_args
from orchestration.exports import CRASH_HOOK
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, RUN_SETTING_DEFAULTS

DBT = str(Path(sys.executable).parent / "dbt")


def spark_env(spark_dir: Path) -> dict[str, str]:
    return {**os.environ, "FIELDLEDGER_SPARK_DIR": str(spark_dir), "SPARK_LOCAL_IP": "127.0.0.1",
            "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "FIELDLEDGER_SPARK_DRIVER_MEMORY": os.environ.get("FIELDLEDGER_SPARK_DRIVER_MEMORY", "3g")}


@dataclass
class SparkBuild:
    """A Spark warehouse folder with a delivery landed and `dbt build --target spark` run on it."""

    root: Path
    statuses: dict[str, str]  # dbt node name → success, error, skipped, pass, fail…
    messages: dict[str, str]
    landing_log: str
    dbt_log: str
    data_tests: dict[str, str]  # the data tests among them → pass, fail, warn, error, skipped

    @property
    def warehouse(self) -> Path:
        return self.root / "spark" / "warehouse"

    def table_path(self, schema: str, table: str) -> Path:
        return self.warehouse / f"{schema}.db" / table

    def has_table(self, schema: str, table: str) -> bool:
        path = self.table_path(schema, table)
        return path.is_dir() and any(path.rglob("*.parquet"))

    def rows(self, con: duckdb.DuckDBPyConnection, schema: str, table: str) -> duckdb.DuckDBPyRelation:
        """The Spark table as DuckDB reads its Parquet files (hive partitions as columns)."""
        return con.sql(f"select * from read_parquet('{self.table_path(schema, table)}/**/*.parquet', "
                       f"hive_partitioning = true)")


def land_on_spark(delivery: Path, root: Path) -> str:
    """Land `delivery` into the Spark warehouse under `root` (python -m orchestration.spark_landing); its output."""
    landing = subprocess.run([sys.executable, "-m", "orchestration.spark_landing", str(delivery)], cwd=REPO_ROOT,
                             env=spark_env(root / "spark"), capture_output=True, text=True)
    if landing.returncode != 0:
        raise AssertionError(f"landing on Spark failed:\n{landing.stdout[-4000:]}\n{landing.stderr[-4000:]}")
    return landing.stdout[-4000:]


def dbt_on_spark(root: Path, command: str = "build", *, exclude: tuple[str, ...] = ("resource_type:unit_test",),
                 landing_log: str = "") -> SparkBuild:
    """`dbt build` (or `dbt run`) --target spark on the warehouse under `root`, the DuckDB lane's settings."""
    target = root / "target"
    (target / "run_results.json").unlink(missing_ok=True)
    args = [*dbt_build_args(dict(RUN_SETTING_DEFAULTS)), "--exclude", *exclude]
    args[0] = command
    proc = subprocess.run([DBT, *args, "--target", "spark", "--profiles-dir", str(DBT_PROJECT_DIR),
                           "--target-path", str(target), "--log-path", str(root / "logs")],
                          cwd=DBT_PROJECT_DIR, env=spark_env(root / "spark"), capture_output=True, text=True)
    results_file = target / "run_results.json"
    if not results_file.exists():
        raise AssertionError(f"dbt {command} --target spark did not run:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}")
    results = json.loads(results_file.read_text())["results"]
    return SparkBuild(root,
                      {r["unique_id"].split(".")[2]: r["status"] for r in results},
                      {r["unique_id"].split(".")[2]: (r.get("message") or "")[:500] for r in results},
                      landing_log, proc.stdout[-8000:],
                      {r["unique_id"].split(".")[2]: r["status"] for r in results if r["unique_id"].startswith("test.")})


def build_on_spark(delivery: Path, root: Path, *, exclude: tuple[str, ...] = ("resource_type:unit_test",)) -> SparkBuild:
    """Land `delivery` on Spark and build the project on it (every model and data test dbt can run), the same
    settings as the DuckDB lane's builds."""
    return dbt_on_spark(root, exclude=exclude, landing_log=land_on_spark(delivery, root))


def export_on_spark(root: Path, export_dir: Path, crash_at: str | None = None) -> subprocess.CompletedProcess:
    """The Finance export from the Spark warehouse under `root` (python -m orchestration.spark_exports), in a
    process of its own; `crash_at` ends it at that point as kill -9 would (exports.CRASH_HOOK)."""
    env = spark_env(root / "spark") | ({CRASH_HOOK: crash_at} if crash_at else {})
    proc = subprocess.run([sys.executable, "-m", "orchestration.spark_exports", str(export_dir)], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True)
    if crash_at is None and proc.returncode != 0:
        raise AssertionError(f"export from Spark failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def copy_spark_tables(spark: SparkBuild, path: Path, schema: str = "marts") -> Path:
    """Every table of a Spark database copied, as read from its Parquet files, into a DuckDB file: what the
    warehouse held at this point, to compare with after the next run."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema if not exists {schema}")
        for table in sorted(p.name for p in (spark.warehouse / f"{schema}.db").iterdir() if p.is_dir()):
            if spark.has_table(schema, table):
                con.execute(f'create table {schema}."{table}" as select * from '
                            f"read_parquet('{spark.table_path(schema, table)}/**/*.parquet', hive_partitioning = true)")
    return path


NUMERIC = ("DECIMAL", "INTEGER", "BIGINT", "HUGEINT", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER")


def _normalized(relation: str, columns: list[tuple[str, str]]) -> str:
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


def differences(expected_db: Path, schema: str, table: str, other: SparkBuild | Path) -> str | None:
    """None when `other` (a Spark build's table, or the same table in another DuckDB file) holds the same rows as
    the table in `expected_db`, else what differs (first rows each way). Numbers compare as exact decimals, text
    and ids exactly, timestamps as UTC instants."""
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{expected_db}' as d (read_only)")
        columns = [(r[0], r[1]) for r in con.execute(
            "select column_name, data_type from information_schema.columns where table_catalog = 'd' "
            "and table_schema = ? and table_name = ? order by ordinal_position", [schema, table]).fetchall()]
        assert columns, f"{schema}.{table} is not in {expected_db}"
        if isinstance(other, SparkBuild):
            other.rows(con, schema, table).create_view("s")
        else:
            con.execute(f"attach '{other}' as o (read_only)")
            con.execute(f'create view s as select * from o."{schema}"."{table}"')
        other_columns = {r[0].lower() for r in con.execute("describe s").fetchall()}
        missing = [c for c, _ in columns if c.lower() not in other_columns]
        if missing:
            return f"columns missing: {missing}"
        expected = _normalized(f'd."{schema}"."{table}"', columns)
        got = _normalized("s", columns)
        counts = con.execute(f'select (select count(*) from d."{schema}"."{table}"), (select count(*) from s)'
                             ).fetchall()[0]
        only_expected = con.execute(f"select * from ({expected} except all {got}) limit 3").fetchall()
        only_other = con.execute(f"select * from ({got} except all {expected}) limit 3").fetchall()
    if counts[0] == counts[1] and not only_expected and not only_other:
        return None
    names = [c for c, _ in columns]
    return (f"{counts[0]} rows expected, {counts[1]} found; columns {names}\n"
            f"  only expected: {only_expected}\n  only found: {only_other}")


def raw_differences(expected_db: Path, spark: SparkBuild) -> dict[str, str]:
    """Every raw table and landing's bookkeeping (_landed_files, _unparseable_rows, _ignored_files) of a Spark
    warehouse against the DuckDB build file's: table → what differs (nothing when they are equal row for row)."""
    problems = {}
    with duckdb.connect(str(expected_db), read_only=True) as con:
        counts = {t: con.execute(f'select count(*) from raw."{t}"').fetchone()[0]
                  for t in [*BY_NAME, "_landed_files", "_unparseable_rows", "_ignored_files"]}
    for table, count in counts.items():
        if not spark.has_table("raw", table):
            if count:
                problems[table] = f"not landed on Spark ({count} rows on DuckDB)"
            continue
        diff = differences(expected_db, "raw", table, spark)
        if diff:
            problems[table] = diff
    return problems


def published_tables(spark: SparkBuild) -> dict[str, str]:
    """Every model dbt publishes in the marts schema as a table (marts and reports) → its materialization."""
    manifest = json.loads((spark.root / "target" / "manifest.json").read_text())
    return {n["name"]: n["config"]["materialized"] for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["schema"] == "marts"
            and n["config"]["materialized"] in ("table", "incremental")}


def duckdb_lane_warehouse():
    """tests/conftest.py's Warehouse (the DuckDB lane's builds), loaded under a name of its own: both folders have
    a conftest.py."""
    spec = importlib.util.spec_from_file_location("fieldledger_duckdb_lane", REPO_ROOT / "tests" / "conftest.py")
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
    return module.Warehouse
