"""Publishing (D1, D-B1–D-B4): the marts reach FIELDLEDGER_WAREHOUSE in one rename, in a file DuckDB 1.4 can open,
with their keys and comments, and as Parquet in a folder swapped whole."""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import PublishError, publish
from orchestration.settings import REPO_ROOT

OLD_DUCKDB = REPO_ROOT / ".cache" / "duckdb-1.4.4"


def run_old_duckdb(code: str) -> str:
    """Run Python code with DuckDB 1.4.4 (what BI connectors embed), installed once into .cache."""
    if not (OLD_DUCKDB / "duckdb").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(OLD_DUCKDB),
                        "duckdb==1.4.4"], check=True)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(OLD_DUCKDB), "PATH": "/usr/bin:/bin"})
    return out.stdout


def build_file(path: Path, *, duplicate: bool = False, null_key: bool = False) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema staging")
        con.execute("create table marts.dim_y as select 'y1' as y_id")
        con.execute("create table marts.fct_x as select 1.25::decimal(18, 2) as amount, 'a' as id, 'y1' as y_id"
                    + (" union all select 2, 'a', 'y1'" if duplicate else "")
                    + (" union all select 3, null, 'y1'" if null_key else ""))
        con.execute("comment on table marts.fct_x is 'one row per x'")
        con.execute("comment on column marts.fct_x.amount is 'the amount, it''s exact'")
        con.execute("create table staging.not_published as select 1 as n")
    return path


def manifest_file(path: Path, *, keyed: tuple[str, ...] = ("fct_x", "dim_y"), with_z: bool = False) -> Path:
    """The part of a dbt manifest publish reads: the marts, their unique tests and a relationships test (with_z:
    and marts.fct_z (z_id, x_id), whose x_id references fct_x)."""
    def test(model: str, name: str, column: str, others: tuple[str, ...] = (), **kwargs) -> dict:
        return {"resource_type": "test", "attached_node": f"model.p.{model}", "column_name": column,
                "config": {"severity": "ERROR", "where": None, "enabled": True},
                "test_metadata": {"name": name, "kwargs": kwargs},
                "depends_on": {"nodes": [f"model.p.{m}" for m in (model, *others)]}}
    nodes = {f"model.p.{m}": {"resource_type": "model", "name": m, "alias": m, "schema": "marts", "columns": {}}
             for m in ("fct_x", "dim_y")}
    nodes["test.p.unique_x"] = test("fct_x", "unique", "id") if "fct_x" in keyed else test("fct_x", "not_null", "id")
    nodes["test.p.unique_y"] = test("dim_y", "unique", "y_id")
    nodes["test.p.rel_x_y"] = test("fct_x", "relationships", "y_id", ("dim_y",), to="ref('dim_y')", field="y_id")
    if with_z:
        nodes["model.p.fct_z"] = {"resource_type": "model", "name": "fct_z", "alias": "fct_z", "schema": "marts",
                                  "columns": {}}
        nodes["test.p.unique_z"] = test("fct_z", "unique", "z_id")
        nodes["test.p.rel_z_x"] = test("fct_z", "relationships", "x_id", ("fct_x",), to="ref('fct_x')", field="id")
    path.write_text(json.dumps({"nodes": nodes}))
    return path


def test_publish_copies_the_marts_only_and_replaces_the_file_in_one_rename(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    warehouse.write_bytes(b"previous publication")
    reader = open(warehouse, "rb")  # a reader holding the old file keeps reading the old file
    publication = publish(build_file(tmp_path / "b.duckdb"), warehouse, run_info={"run": "1"},
                          manifest=manifest_file(tmp_path / "m.json"))
    assert reader.read() == b"previous publication"
    reader.close()
    assert publication.tables == {"marts.dim_y": 1, "marts.fct_x": 1}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select amount::varchar, id from marts.fct_x").fetchall() == [("1.25", "a")]
        assert con.execute("select comment from duckdb_tables() where table_name = 'fct_x'").fetchone() == (
            "one row per x",)
        assert con.execute("select column_name, comment from duckdb_columns() where table_name = 'fct_x' "
                           "and comment is not null").fetchall() == [("amount", "the amount, it's exact")]
        assert con.execute("select table_name, constraint_type, constraint_column_names, referenced_table "
                           "from duckdb_constraints() where constraint_type in ('PRIMARY KEY', 'FOREIGN KEY') "
                           "order by 1, 2").fetchall() == [
            ("dim_y", "PRIMARY KEY", ["y_id"], None), ("fct_x", "FOREIGN KEY", ["y_id"], "dim_y"),
            ("fct_x", "PRIMARY KEY", ["id"], None)]
        assert con.execute("select count(*) from duckdb_tables() where schema_name = 'staging'").fetchone() == (0,)
        assert con.execute("select run_info, publication_id from meta.publication").fetchone() == (
            '{"run": "1"}', publication.publication_id)
        assert con.execute("select amount::varchar, id from read_parquet(?)",
                           [str(tmp_path / "parquet" / "fct_x.parquet")]).fetchall() == [("1.25", "a")]
    assert sorted(p.name for p in (tmp_path / "parquet").iterdir()) == [
        "_publication.json", "dim_y.parquet", "fct_x.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.duckdb", "m.json", "parquet", "w.duckdb"]  # no leftovers


def test_a_broken_key_publishes_nothing_and_keeps_the_previous_publication(tmp_path):
    warehouse, manifest = tmp_path / "w.duckdb", manifest_file(tmp_path / "m.json")
    first = publish(build_file(tmp_path / "b.duckdb"), warehouse, manifest=manifest)
    before = {p.name: p.read_bytes() for p in [warehouse, *first.parquet_dir.iterdir()]}
    with pytest.raises(PublishError, match=r"marts\.fct_x breaks a key declared on it \(primary \('id',\)"):
        publish(build_file(tmp_path / "b2.duckdb", duplicate=True), warehouse, manifest=manifest)
    assert {p.name: p.read_bytes() for p in [warehouse, *first.parquet_dir.iterdir()]} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.duckdb", "b2.duckdb", "m.json", "parquet", "w.duckdb"]


def test_a_key_dbt_does_not_test_for_nulls_with_a_null_is_declared_unique(tmp_path):
    """dbt's unique test skips NULLs, a PRIMARY KEY refuses them: the publication goes ahead with a UNIQUE key."""
    warehouse = tmp_path / "w.duckdb"
    publication = publish(build_file(tmp_path / "b.duckdb", null_key=True), warehouse,
                          manifest=manifest_file(tmp_path / "m.json"))
    assert (publication.keys.primary, publication.keys.unique) == ({"dim_y": ("y_id",)}, {"fct_x": ("id",)})
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select table_name, constraint_type, constraint_column_names from duckdb_constraints() "
                           "where constraint_type in ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') order by 1, 2").fetchall(
        ) == [("dim_y", "PRIMARY KEY", ["y_id"]), ("fct_x", "FOREIGN KEY", ["y_id"]), ("fct_x", "UNIQUE", ["id"])]
        assert con.execute("select count(*) from marts.fct_x").fetchone() == (2,)


def test_a_mart_without_a_key_is_named_and_nothing_is_published(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with pytest.raises(PublishError, match=r"marts\.fct_x has no key to declare: give it a `unique`"):
        publish(build_file(tmp_path / "b.duckdb"), warehouse, manifest=manifest_file(tmp_path / "m.json", keyed=()))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.duckdb", "m.json"]


def test_the_parquet_folder_is_swapped_whole_and_a_reader_of_the_old_one_keeps_it(tmp_path):
    build, warehouse, manifest = build_file(tmp_path / "b.duckdb"), tmp_path / "w.duckdb", manifest_file(
        tmp_path / "m.json")
    first = publish(build, warehouse, manifest=manifest)
    # a reader in the middle of the first publication's folder: its open files stay whole, never rewritten
    with open(first.parquet_dir / "_publication.json", "rb") as held_json, \
            open(first.parquet_dir / "fct_x.parquet", "rb") as held_parquet:
        old_parquet = (first.parquet_dir / "fct_x.parquet").read_bytes()
        second = publish(build, warehouse, manifest=manifest)
        assert json.loads(held_json.read())["publication_id"] == first.publication_id
        assert held_parquet.read() == old_parquet
    new = json.loads((second.parquet_dir / "_publication.json").read_text())
    assert new["publication_id"] == second.publication_id != first.publication_id
    assert new["tables"] == {"marts.dim_y": 1, "marts.fct_x": 1}
    # the same rows: the first publication's files, linked, never written again (D-B6)
    assert new["files_written_by"] == {"dim_y": first.publication_id, "fct_x": first.publication_id}
    assert (second.parquet_dir / "fct_x.parquet").read_bytes() == old_parquet
    with duckdb.connect() as con:
        assert con.execute("select distinct decode(value) from parquet_kv_metadata(?) where decode(key) = "
                           "'publication_id'", [str(second.parquet_dir / "*.parquet")]).fetchall() == [
            (first.publication_id,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.duckdb", "m.json", "parquet", "w.duckdb"]


def test_the_published_file_opens_in_duckdb_1_4(tmp_path):
    """BI connectors embed DuckDB ≤ 1.5, which cannot open a DuckDB 2.0 file written in its own format."""
    warehouse = tmp_path / "w.duckdb"
    publish(build_file(tmp_path / "b.duckdb"), warehouse, manifest=manifest_file(tmp_path / "m.json"))
    out = run_old_duckdb(
        f"import duckdb; c = duckdb.connect(r'{warehouse}', read_only=True); "
        "print(duckdb.__version__, c.execute('select amount from marts.fct_x').fetchone()[0], "
        "c.execute(\"select count(*) from duckdb_constraints() where constraint_type in ('PRIMARY KEY', "
        "'FOREIGN KEY')\").fetchone()[0], c.execute(\"select count(comment) from duckdb_columns()\").fetchone()[0])")
    assert out.split() == ["1.4.4", "1.25", "3", "1"]
