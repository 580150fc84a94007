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

from orchestration.dbt import dbt_build_args
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


def build_on_spark(delivery: Path, root: Path, *, exclude: tuple[str, ...] = ("resource_type:unit_test",)) -> SparkBuild:
    """Land `delivery` on Spark and build the project on it (every model and data test dbt can run), the same
    settings as the DuckDB lane's builds."""
    spark_dir = root / "spark"
    env = spark_env(spark_dir)
    landing = subprocess.run([sys.executable, "-m", "orchestration.spark_landing", str(delivery)], cwd=REPO_ROOT,
                             env=env, capture_output=True, text=True)
    if landing.returncode != 0:
        raise AssertionError(f"landing on Spark failed:\n{landing.stdout[-4000:]}\n{landing.stderr[-4000:]}")
    target = root / "target"
    args = [*dbt_build_args(dict(RUN_SETTING_DEFAULTS)), "--exclude", *exclude]
    proc = subprocess.run([DBT, *args, "--target", "spark", "--profiles-dir", str(DBT_PROJECT_DIR),
                           "--target-path", str(target), "--log-path", str(root / "logs")],
                          cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    results_file = target / "run_results.json"
    if not results_file.exists():
        raise AssertionError(f"dbt build --target spark did not run:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}")
    results = json.loads(results_file.read_text())["results"]
    return SparkBuild(root,
                      {r["unique_id"].split(".")[2]: r["status"] for r in results},
                      {r["unique_id"].split(".")[2]: (r.get("message") or "")[:500] for r in results},
                      landing.stdout[-4000:], proc.stdout[-8000:])




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
