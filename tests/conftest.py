"""Shared machinery: real dbt runs on temporary DuckDB files (never the user's), scenario deliveries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # delivery_builder

from orchestration.dbt import dbt_build_args  # noqa: E402
from orchestration.landing import land  # noqa: E402
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, RUN_SETTING_DEFAULTS  # noqa: E402

DBT = str(Path(sys.executable).parent / "dbt")


@dataclass
class DbtResult:
    """What a dbt invocation did, node by node (from dbt's own results, in-process or from run_results.json)."""

    success: bool
    statuses: dict[str, str]  # node name → pass, fail, error, success, skipped…
    failures: dict[str, int]  # node name → failing rows of a test
    log: str  # shown when the invocation failed

    @property
    def returncode(self) -> int:
        return 0 if self.success else 1


class Warehouse:
    """A build file in a temporary folder: land deliveries into it and run dbt on it, as the pipeline does."""

    def __init__(self, root: Path):
        self.root = root
        self.build_db = root / "build.duckdb"

    def land(self, delivery: Path):
        return land(delivery, self.build_db, progress=lambda _: None)

    def dbt(self, *args: str, settings: dict | None = None, select: str | None = None, check: bool = True,
            env: dict | None = None, all_tests: bool = True) -> DbtResult:
        """dbt on this build file: in this process (no start-up, the parsed project reused), or in a process of
        its own when the test sets environment variables for it (e.g. TZ, which a process reads once).
        Without args: `dbt build`, with every data test, or (all_tests=False) the invariants and singular tests
        only — the ~300 generic and unit tests then run on the shared builds, not on every small scenario."""
        run = {**RUN_SETTING_DEFAULTS, **(settings or {})}
        args = args or (*dbt_build_args(run, select=select),
                        *(() if all_tests else ("--exclude", "test_type:generic", "test_type:unit")))
        if env is None:
            return InProcessDbt(self).run(*args, check=check)
        env = {**os.environ, "FIELDLEDGER_BUILD_DB": str(self.build_db), "DO_NOT_TRACK": "1",
               "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **env}
        target = self.root / "target"
        (target / "run_results.json").unlink(missing_ok=True)
        proc = subprocess.run([DBT, *args, "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)],
                              cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
        results = json.loads((target / "run_results.json").read_text())["results"] \
            if (target / "run_results.json").exists() else []
        result = DbtResult(proc.returncode == 0, {r["unique_id"].split(".")[2]: r["status"] for r in results},
                           {r["unique_id"].split(".")[2]: r.get("failures") or 0 for r in results},
                           f"{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
        if check and not result.success:
            raise AssertionError(f"dbt {args[0]} failed ({proc.returncode}):\n{result.log}")
        return result

    def build(self, delivery: Path, env: dict | None = None, all_tests: bool = False, **settings) -> DbtResult:
        self.land(delivery)
        return self.dbt(settings=settings, env=env, all_tests=all_tests)

    # plain read-write connections, as landing opens the file
    def query(self, sql: str, params=None) -> list[tuple]:
        with duckdb.connect(str(self.build_db)) as con:
            return con.execute(sql, params or []).fetchall()

    def dicts(self, sql: str, params=None) -> list[dict]:
        with duckdb.connect(str(self.build_db)) as con:
            cur = con.execute(sql, params or [])
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# dbt projects parsed in this process, by what parsing depends on: a run with the same vars, FIELDLEDGER_*
# variables and build file name reuses one instead of parsing again (~5-10 s each); the files do not change
_PARSED: dict[str, object] = {}


def _parse_key(args: tuple[str, ...], build_db: Path) -> str:
    cli_vars = args[args.index("--vars") + 1] if "--vars" in args else ""
    env = sorted((k, v) for k, v in os.environ.items() if k.startswith("FIELDLEDGER_") and k != "FIELDLEDGER_BUILD_DB")
    return json.dumps([cli_vars, env, build_db.stem])


class InProcessDbt:
    """dbt in this process: no start-up per run, and the project parsed once per process and setting (_PARSED)."""

    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse

    def run(self, *args: str, check: bool = True) -> DbtResult:
        from dbt.cli.main import dbtRunner

        common = ["--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR), "--target-path",
                  str(self.warehouse.root / "target"),
                  # the results come back as objects: no console output, no dbt.log (its events were ~9 % of a build)
                  *([] if os.environ.get("FIELDLEDGER_TEST_DBT_VERBOSE") else ["--quiet", "--log-level-file", "none"])]
        old = os.environ.get("FIELDLEDGER_BUILD_DB")
        os.environ["FIELDLEDGER_BUILD_DB"] = str(self.warehouse.build_db)
        try:
            key = _parse_key(args, self.warehouse.build_db)
            if key not in _PARSED and args[0] != "parse":
                cli_vars = ["--vars", args[args.index("--vars") + 1]] if "--vars" in args else []
                parsed = dbtRunner().invoke(["parse", *cli_vars, *common])
                if parsed.success:
                    _PARSED[key] = parsed.result
            result = dbtRunner(manifest=_PARSED.get(key)).invoke([*args, *common])
        finally:
            os.environ.pop("FIELDLEDGER_BUILD_DB") if old is None else os.environ.__setitem__("FIELDLEDGER_BUILD_DB", old)
            # landing and queries open the file with another DuckDB configuration, which DuckDB refuses while dbt
            # holds it open: release it after every run
            self.close()
        nodes = [(r.node.name, str(getattr(r.status, "value", r.status)), r.failures or 0, r.message)
                 for r in getattr(result.result, "results", None) or []]
        outcome = DbtResult(result.success, {n: status for n, status, _, _ in nodes},
                            {n: failures for n, _, failures, _ in nodes},
                            "\n".join(f"{status} {n}: {message}" for n, status, _, message in nodes
                                      if status in ("error", "fail")) or repr(result.exception))
        if check and not outcome.success:
            raise AssertionError(f"dbt {args[0]} failed:\n{outcome.log[-6000:]}")
        return outcome

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
    w.build(REPO_ROOT / "seeds" / "demo", all_tests=True)
    return w


def expected_rejections(delivery: Path) -> list[dict]:
    import csv

    with open(delivery / "_generator" / "expected_rejections.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def dump(rows) -> str:
    return json.dumps(rows, indent=1, default=str)
