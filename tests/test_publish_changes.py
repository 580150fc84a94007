"""Publishing only what changed (D-B6): a publication that keeps, updates in place or writes each mart is the
publication that writes every mart — rows, keys, comments and Parquet files — and a failure still publishes
nothing."""

import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import Warehouse
from delivery_builder import split_by_day, write_day

from orchestration.generate.cli import main as generate
from orchestration.publish import PublishError, publish
from tests.test_publish import manifest_file, run_old_duckdb


def build(path: Path, x: dict[str, tuple[str, str]], y: list[str], *, extra: str = "") -> Path:
    """marts.fct_x (id → amount, y_id) referencing marts.dim_y, as the publish tests' manifest declares them."""
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_y (y_id varchar)")
        con.execute("insert into marts.dim_y select unnest(?)", [y])
        con.execute("create table marts.fct_x (amount decimal(18, 2), id varchar, y_id varchar)")
        con.execute("insert into marts.fct_x select unnest(?)::decimal(18, 2), unnest(?), unnest(?)",
                    [[a for a, _ in x.values()], list(x), [y_id for _, y_id in x.values()]])
        con.execute("comment on table marts.fct_x is 'one row per x'")
        con.execute("comment on column marts.fct_x.amount is 'the amount'")
        if extra:
            con.execute(extra)
    return path


# dim_y's rows: enough that keeping dim_y alone is worth copying the previous file (CARRY_AT_LEAST)
Y = [f"y{i}" for i in range(200)]


def history(n: int = 100) -> dict[str, tuple[str, str]]:
    return {f"x{i:03}": (f"{i}.{i % 100:02}", f"y{i % 5}") for i in range(n)}


def contents(warehouse: Path) -> dict:
    """Everything a reader of the file and of the Parquet folder sees, but the publication's own id and time."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = sorted(t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = "
                                                  "'marts'").fetchall())
        seen = {t: sorted(con.execute(f"select * from marts.{t}").fetchall()) for t in tables}
        seen["catalog"] = con.execute(
            "select table_name, column_name, data_type, comment from duckdb_columns() where schema_name = 'marts' "
            "order by all").fetchall() + con.execute(
            "select table_name, comment from duckdb_tables() order by all").fetchall()
        seen["keys"] = sorted(map(str, con.execute(
            "select table_name, constraint_type, constraint_column_names, referenced_table, referenced_column_names "
            "from duckdb_constraints()").fetchall()))
        seen["schemas"] = sorted(con.execute("select schema_name from duckdb_schemas() where not internal").fetchall())
        for t in tables:
            seen[f"parquet {t}"] = sorted(con.execute("select * from read_parquet(?)", [
                str(warehouse.parent / "parquet" / f"{t}.parquet")]).fetchall())
    return seen


def whole(build_db: Path, manifest: Path, folder: Path) -> dict:
    """The same build file published into an empty folder: every mart written."""
    folder.mkdir()
    publication = publish(build_db, folder / "w.duckdb", manifest=manifest)
    assert set(publication.how.values()) == {"written"}
    return contents(folder / "w.duckdb")


@pytest.fixture
def first(tmp_path):
    manifest = manifest_file(tmp_path / "m.json")
    warehouse = tmp_path / "pub" / "w.duckdb"
    warehouse.parent.mkdir()
    publication = publish(build(tmp_path / "b.duckdb", history(), Y), warehouse,
                          manifest=manifest)
    return tmp_path, manifest, warehouse, publication


def test_a_few_changed_rows_are_changed_in_place_and_the_rest_kept_as_a_whole_publication_would_have_them(first):
    tmp_path, manifest, warehouse, one = first
    x = history()
    x["x007"] = ("-7.07", "y2")  # changed
    x["x100"] = ("100.00", "y0")  # added
    del x["x042"]  # removed
    b = build(tmp_path / "b.duckdb", x, Y)
    two = publish(b, warehouse, manifest=manifest)
    assert two.how == {"dim_y": "kept", "fct_x": "updated"}
    assert two.tables == {"marts.dim_y": 200, "marts.fct_x": 100}
    assert contents(warehouse) == whole(b, manifest, tmp_path / "whole")
    summary = json.loads((two.parquet_dir / "_publication.json").read_text())
    assert summary["marts"] == two.how
    assert summary["files_written_by"] == {"dim_y": one.publication_id, "fct_x": two.publication_id}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select publication_id from meta.publication").fetchall() == [(two.publication_id,)]
        assert con.execute("select amount::varchar from marts.fct_x where id = 'x007'").fetchall() == [("-7.07",)]
    # still a file BI connectors on DuckDB 1.4 open, with its keys and comments
    out = run_old_duckdb(
        f"import duckdb; c = duckdb.connect(r'{warehouse}', read_only=True); "
        "print(c.execute('select count(*), sum(amount) from marts.fct_x').fetchone(), c.execute(\"select count(*) "
        "from duckdb_constraints() where constraint_type in ('PRIMARY KEY', 'FOREIGN KEY')\").fetchone()[0])")
    assert out.split() == ["(100,", f"Decimal('{sum(Decimal(a) for a, _ in x.values())}'))", "3"]
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["parquet", "w.duckdb"]  # no leftovers


def test_a_mart_referenced_by_a_mart_written_whole_and_marts_with_many_changes_are_written_whole(first):
    tmp_path, manifest, warehouse, _ = first
    # half the rows changed: fct_x is written whole; dim_y gains a row and is updated in place
    x = {key: (amount, "y5x" if i % 2 else y) for i, (key, (amount, y)) in enumerate(history().items())}
    b = build(tmp_path / "b.duckdb", x, [*Y, "y5x"])
    assert publish(b, warehouse, manifest=manifest).how == {"dim_y": "updated", "fct_x": "written"}
    assert contents(warehouse) == whole(b, manifest, tmp_path / "whole")
    # dim_y written whole (most of its rows new): fct_x, which references it, is written whole with it
    b = build(tmp_path / "b.duckdb", {k: (a, "z") for k, (a, _) in x.items()}, ["z", *Y[:50]])
    assert publish(b, warehouse, manifest=manifest).how == {"dim_y": "written", "fct_x": "written"}
    assert contents(warehouse) == whole(b, manifest, tmp_path / "whole2")


def test_a_referenced_row_is_changed_in_place_unless_its_own_foreign_key_changes(tmp_path):
    # fct_z references fct_x, which references dim_y: DuckDB updates a foreign-key column as a delete and an
    # insert, which a referenced row refuses (found at 1M: the daily publication of a changed proforma line)
    manifest = manifest_file(tmp_path / "m.json", with_z=True)
    warehouse = tmp_path / "pub" / "w.duckdb"
    warehouse.parent.mkdir()
    z = ("create table marts.fct_z as select 'z' || i as z_id, 'x' || lpad(i::varchar, 3, '0') as x_id "
         "from range(100) as t(i)")
    publish(build(tmp_path / "b.duckdb", history(), Y, extra=z), warehouse, manifest=manifest)
    x = history()
    x["x007"] = ("-7.07", x["x007"][1])  # a value of a referenced row
    b = build(tmp_path / "b.duckdb", x, Y, extra=z)
    assert publish(b, warehouse, manifest=manifest).how == {"dim_y": "kept", "fct_x": "updated", "fct_z": "kept"}
    assert contents(warehouse) == whole(b, manifest, tmp_path / "whole")
    x["x008"] = (x["x008"][0], "y4")  # the foreign key of a referenced row (it was y3)
    b = build(tmp_path / "b.duckdb", x, Y, extra=z)
    assert publish(b, warehouse, manifest=manifest).how == {"dim_y": "kept", "fct_x": "written", "fct_z": "written"}
    assert contents(warehouse) == whole(b, manifest, tmp_path / "whole2")


def test_a_new_mart_is_written_a_mart_no_longer_built_is_gone_and_a_readers_own_tables_are_not_carried(first):
    tmp_path, manifest, warehouse, _ = first
    b = build(tmp_path / "b.duckdb", history(), Y)
    with duckdb.connect(str(warehouse)) as con:  # a reader who ignored "open it read-only"
        con.execute("create table marts.my_notes as select 1 as n")
    assert publish(b, warehouse, manifest=manifest).how == {"dim_y": "kept", "fct_x": "kept"}
    assert contents(warehouse) == whole(b, manifest, tmp_path / "whole")  # my_notes is gone
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema mine; create table mine.notes as select 1 as n")
    assert set(publish(b, warehouse, manifest=manifest).how.values()) == {"written"}  # not all ours: not copied
    assert contents(warehouse) == whole(b, manifest, tmp_path / "whole1")
    keyed = tmp_path / "m2.json"
    nodes = json.loads(manifest.read_text())["nodes"]
    nodes["model.p.fct_z"] = {**nodes["model.p.dim_y"], "name": "fct_z", "alias": "fct_z"}
    nodes["test.p.unique_z"] = {**nodes["test.p.unique_y"], "attached_node": "model.p.fct_z", "column_name": "z"}
    keyed.write_text(json.dumps({"nodes": nodes}))
    b = build(tmp_path / "b.duckdb", history(), Y,
              extra="create table marts.fct_z as select range::varchar as z from range(100)")
    assert publish(b, warehouse, manifest=keyed).how == {"dim_y": "kept", "fct_x": "kept", "fct_z": "written"}
    assert contents(warehouse) == whole(b, keyed, tmp_path / "whole2")
    b = build(tmp_path / "b.duckdb", history(), Y)
    assert publish(b, warehouse, manifest=manifest).how == {"dim_y": "kept", "fct_x": "kept"}
    assert contents(warehouse) == whole(b, manifest, tmp_path / "whole3")
    assert not (warehouse.parent / "parquet" / "fct_z.parquet").exists()


def test_a_changed_comment_or_key_writes_the_mart_whole(first):
    tmp_path, manifest, warehouse, _ = first
    b = build(tmp_path / "b.duckdb", history(), Y,
              extra="comment on column marts.fct_x.amount is 'the amount, in the line''s currency'")
    assert publish(b, warehouse, manifest=manifest).how == {"dim_y": "kept", "fct_x": "written"}
    assert contents(warehouse) == whole(b, manifest, tmp_path / "whole")


def test_a_duplicate_key_among_the_changed_rows_publishes_nothing(first):
    tmp_path, manifest, warehouse, one = first
    before = {p.name: p.read_bytes() for p in [warehouse, *one.parquet_dir.iterdir()]}
    b = build(tmp_path / "b.duckdb", history(), Y,
              extra="insert into marts.fct_x values (9.99, 'x001', 'y1')")
    with pytest.raises(PublishError, match=r"marts\.fct_x updated in place differs from the build file's: 100 "
                                           r"rows against 101.*primary key \('id',\)"):
        publish(b, warehouse, manifest=manifest)
    assert {p.name: p.read_bytes() for p in [warehouse, *one.parquet_dir.iterdir()]} == before
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["parquet", "w.duckdb"]


def test_daily_publications_do_not_grow_the_file_without_bound(first):
    tmp_path, manifest, warehouse, _ = first
    x = {f"x{i:05}": (f"{i}.00", f"y{i % 5}") for i in range(20000)}
    b = build(tmp_path / "b.duckdb", x, Y)
    publish(b, warehouse, manifest=manifest)
    size = warehouse.stat().st_size
    for day in range(12):  # each day 5 % of the rows change and 1 % are new: updated in place
        for i in range(day * 1000, day * 1000 + 1000):
            x[f"x{i % 20000:05}"] = (f"{day}.{i % 100:02}", f"y{(i + day) % 5}")
        x.update({f"n{day}_{i}": ("1.00", "y1") for i in range(200)})
        assert publish(build(tmp_path / "b.duckdb", x, Y), warehouse, manifest=manifest).how["fct_x"] == "updated"
        assert warehouse.stat().st_size <= 2 * size  # the blocks the changed rows leave are used again
    assert contents(warehouse) == whole(tmp_path / "b.duckdb", manifest, tmp_path / "whole")


def test_a_history_published_after_each_delivery_equals_one_whole_publication_of_the_last_build(tmp_path):
    """The daily path on real marts: a generated history (late versions, cancellations, new invoice runs) delivered
    in four parts, the pipeline and a publication after each; the last equals a whole publication of its build."""
    history = tmp_path / "history"
    assert generate(["--work-orders", "8", "--seed", "5", "--start", "2026-01-01", "--months", "3",
                     "--bad-row-share", "0.02", "--out", str(history), "--quiet"]) == 0
    setup, days = split_by_day(history)
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    for path in setup:
        shutil.copy(path, delivery / path.name)
    build_files = Warehouse(tmp_path / "build")
    warehouse = tmp_path / "pub" / "fieldledger.duckdb"
    manifest = build_files.root / "target" / "manifest.json"
    ordered = sorted(days)
    seen: set[str] = set()
    for part in (ordered[: len(ordered) * 2 // 3], *(ordered[len(ordered) * 2 // 3:][i::3] for i in range(3))):
        for day in part:
            write_day(delivery, day, days[day])
        build_files.build(delivery)
        seen |= set(publish(build_files.build_db, warehouse, manifest=manifest).how.values())
    assert seen == {"kept", "updated", "written"}
    assert contents(warehouse) == whole(build_files.build_db, manifest, tmp_path / "whole")
