"""Shared machinery: real dbt runs on temporary DuckDB files (never the user's), scenario deliveries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # delivery_builder

from orchestration.dbt import dbt_build_args  # noqa: E402
from orchestration.landing import land  # noqa: E402
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, RUN_SETTING_DEFAULTS  # noqa: E402

DBT = str(Path(sys.executable).parent / "dbt")


class Warehouse:
    """A build file in a temporary folder: land deliveries into it and run dbt on it, as the pipeline does."""

    def __init__(self, root: Path):
        self.root = root
        self.build_db = root / "build.duckdb"

    def land(self, delivery: Path):
        return land(delivery, self.build_db, progress=lambda _: None)

    def dbt(self, *args: str, settings: dict | None = None, select: str | None = None, check: bool = True,
            env: dict | None = None):
        run = {**RUN_SETTING_DEFAULTS, **(settings or {})}
        cmd = [DBT, *dbt_build_args(run, select=select)] if not args else [DBT, *args]
        env = {**os.environ, "FIELDLEDGER_BUILD_DB": str(self.build_db), "DO_NOT_TRACK": "1",
               "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})}
        result = subprocess.run(cmd + ["--profiles-dir", str(DBT_PROJECT_DIR), "--target-path",
                                       str(self.root / "target")],
                                cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"dbt failed ({result.returncode}):\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
        return result

    def build(self, delivery: Path, env: dict | None = None, **settings):
        self.land(delivery)
        return self.dbt(settings=settings, env=env)

    # plain read-write connections, as landing opens the file
    def query(self, sql: str, params=None) -> list[tuple]:
        with duckdb.connect(str(self.build_db)) as con:
            return con.execute(sql, params or []).fetchall()

    def dicts(self, sql: str, params=None) -> list[dict]:
        with duckdb.connect(str(self.build_db)) as con:
            cur = con.execute(sql, params or [])
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


class InProcessDbt:
    """dbt in this process (no start-up per run); the same target and build path keep partial parsing warm."""

    def __init__(self, warehouse: Warehouse):
        from dbt.cli.main import dbtRunner

        self.warehouse, self.runner = warehouse, dbtRunner()

    def run(self, *args: str, check: bool = True):
        old = os.environ.get("FIELDLEDGER_BUILD_DB")
        os.environ["FIELDLEDGER_BUILD_DB"] = str(self.warehouse.build_db)
        try:
            result = self.runner.invoke([*args, "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir",
                                         str(DBT_PROJECT_DIR), "--target-path", str(self.warehouse.root / "target"),
                                         *([] if os.environ.get("FIELDLEDGER_TEST_DBT_VERBOSE") else ["--quiet"])])
        finally:
            os.environ.pop("FIELDLEDGER_BUILD_DB") if old is None else os.environ.__setitem__("FIELDLEDGER_BUILD_DB", old)
            # landing and queries open the file with another DuckDB configuration, which DuckDB refuses while dbt
            # holds it open: release it after every run
            self.close()
        assert result.success or not check, f"dbt {args} failed: {result.exception}"
        return result

    @staticmethod
    def close() -> None:
        """Release the DuckDB file dbt-duckdb keeps open in this process (it has no public call for that)."""
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path)


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return REPO_ROOT / "seeds" / "demo"


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Warehouse:
    """The demo delivery landed and built once for the whole session: read it, or copy its file to change it."""
    w = Warehouse(tmp_path_factory.mktemp("demo-build"))
    w.build(REPO_ROOT / "seeds" / "demo")
    return w


def expected_rejections(delivery: Path) -> list[dict]:
    import csv

    with open(delivery / "_generator" / "expected_rejections.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def dump(rows) -> str:
    return json.dumps(rows, indent=1, default=str)
