"""I8: a run killed at any point and run again gives the same marts as an uninterrupted run — dbt killed with
SIGKILL while it builds the ledgers, then the pipeline again. And a build larger than memory spills and goes on."""

import json
import os
import signal
import subprocess
import sys

import duckdb
import pytest
from conftest import DBT, Warehouse

from orchestration.dbt import dbt_build_args
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, RUN_SETTING_DEFAULTS


def marts(w: Warehouse) -> dict[str, list]:
    with duckdb.connect(str(w.build_db), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()]
        return {n: con.execute(f'select * from marts."{n}" order by all').fetchall() for n in sorted(names)}


def build_killed_at(w: Warehouse, node: str) -> None:
    """Start dbt build and SIGKILL it when `node` starts (a ledger half-way through its run)."""
    cmd = [DBT, *dbt_build_args(RUN_SETTING_DEFAULTS), "--log-format", "json", "--profiles-dir", str(DBT_PROJECT_DIR),
           "--target-path", str(w.root / "target")]
    env = {**os.environ, "FIELDLEDGER_BUILD_DB": str(w.build_db), "DO_NOT_TRACK": "1"}
    proc = subprocess.Popen(cmd, cwd=DBT_PROJECT_DIR, env=env, stdout=subprocess.PIPE, text=True)
    killed = False
    for line in proc.stdout:
        event = json.loads(line)
        if event["info"]["name"] == "LogStartLine" and event["data"]["node_info"]["node_name"] == node:
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
    proc.wait()
    assert killed, f"dbt never started {node}"


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict:
    w = Warehouse(tmp_path_factory.mktemp("clean"))
    w.build(REPO_ROOT / "seeds" / "demo")
    return marts(w)


# killed after the usage ledgers committed and before billing and finance: both halves must converge
@pytest.mark.parametrize("node", ["int_invoice_line_details_recorded"])
def test_i8_a_run_killed_while_building_a_ledger_and_run_again_gives_the_same_marts(tmp_path, uninterrupted, node):
    w = Warehouse(tmp_path)
    w.land(REPO_ROOT / "seeds" / "demo")
    build_killed_at(w, node)
    w.dbt(settings={})  # DuckDB replays or discards what the killed process left in its WAL
    assert marts(w) == uninterrupted


SPILL_PROBE = """
import os, sys
from dbt.cli.main import dbtRunner
build_db, project, target = sys.argv[1:4]
runner = dbtRunner()
args = ["--profiles-dir", project, "--project-dir", project, "--target-path", target]
sort = "select max(n) as n from (select row_number() over (order by md5(range::varchar)) as n from range(3000000))"
for query in (sort, "select 1 as one"):  # the second query opens a new cursor of the same database
    result = runner.invoke(["show", "--inline", query, *args])
    print("ok" if result.success else f"failed: {result.exception}", os.path.isdir(build_db + ".tmp"))
"""


def test_a_build_that_spills_to_disk_goes_on_with_its_next_model(tmp_path):
    """Large deliveries make DuckDB spill to FIELDLEDGER_BUILD_DB.tmp (bench/, 10M lines); the next dbt node's
    cursor must not try to set the spill directory again (DuckDB refuses once it has been used)."""
    build_db = tmp_path / "build.duckdb"
    env = {**os.environ, "FIELDLEDGER_BUILD_DB": str(build_db), "FIELDLEDGER_DUCKDB_MEMORY_LIMIT": "64MB",
           "DO_NOT_TRACK": "1"}
    out = subprocess.run([sys.executable, "-c", SPILL_PROBE, str(build_db),
                          str(DBT_PROJECT_DIR), str(tmp_path / "target")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    results = [line for line in out.stdout.splitlines() if line.startswith(("ok ", "failed: "))]
    assert results == ["ok True", "ok True"], out.stdout[-3000:] + out.stderr[-2000:]
