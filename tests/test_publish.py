"""Publishing (D1): the marts reach FIELDLEDGER_WAREHOUSE in one rename, in a file DuckDB 1.4 can open."""

import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.publish import publish
from orchestration.settings import REPO_ROOT

OLD_DUCKDB = REPO_ROOT / ".cache" / "duckdb-1.4.4"


def build_file(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema staging")
        con.execute("create table marts.fct_x as select 1.25::decimal(18, 2) as amount, 'a' as id")
        con.execute("comment on table marts.fct_x is 'one row per x'")
        con.execute("create table staging.not_published as select 1 as n")
    return path


def test_publish_copies_the_marts_only_and_replaces_the_file_in_one_rename(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    warehouse.write_bytes(b"previous publication")
    reader = open(warehouse, "rb")  # a reader holding the old file keeps reading the old file
    publication = publish(build_file(tmp_path / "b.duckdb"), warehouse, run_info={"run": "1"})
    assert reader.read() == b"previous publication"
    reader.close()
    assert publication.tables == {"marts.fct_x": 1}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select amount::varchar, id from marts.fct_x").fetchall() == [("1.25", "a")]
        assert con.execute("select comment from duckdb_tables() where table_name = 'fct_x'").fetchone() == (
            "one row per x",)
        assert con.execute("select count(*) from duckdb_tables() where schema_name = 'staging'").fetchone() == (0,)
        assert con.execute("select run_info from meta.publication").fetchone() == ('{"run": "1"}',)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.duckdb", "w.duckdb"]  # no leftovers


def test_the_published_file_opens_in_duckdb_1_4(tmp_path):
    """BI connectors embed DuckDB ≤ 1.5, which cannot open a DuckDB 2.0 file written in its own format."""
    warehouse = tmp_path / "w.duckdb"
    publish(build_file(tmp_path / "b.duckdb"), warehouse)
    if not (OLD_DUCKDB / "duckdb").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(OLD_DUCKDB),
                        "duckdb==1.4.4"], check=True)
    code = (f"import duckdb; c = duckdb.connect(r'{warehouse}', read_only=True); "
            "print(duckdb.__version__, c.execute('select amount from marts.fct_x').fetchone()[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(OLD_DUCKDB), "PATH": "/usr/bin:/bin"})
    assert out.stdout.split() == ["1.4.4", "1.25"]
