"""Issue 12 item 2: the published demo warehouse is one BI tools understand — every contracted column commented, a
key on every mart that holds on the data, foreign keys where dbt tests the relationship, and every mart as Parquet
in a folder swapped whole (DECISIONLOG D-B1–D-B4)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from test_publish import run_old_duckdb

from orchestration.publish import UNIQUE_KEYS, Publication, publish


@dataclass
class Published:
    publication: Publication
    manifest: dict
    contracted: dict[str, list[str]]  # mart → its contracted columns, from the manifest

    def query(self, sql: str, params=None) -> list[tuple]:
        with duckdb.connect(str(self.publication.path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def published(demo_build, tmp_path_factory) -> Published:
    manifest_path = demo_build.root / "target" / "manifest.json"  # the manifest of the run that built the file
    warehouse = tmp_path_factory.mktemp("bi") / "warehouse" / "fieldledger.duckdb"
    publication = publish(demo_build.build_db, warehouse, run_info={"test": "bi"}, manifest=manifest_path)
    manifest = json.loads(manifest_path.read_text())
    contracted = {n["alias"]: list(n["columns"]) for n in manifest["nodes"].values()
                  if n["resource_type"] == "model" and n["schema"] == "marts"
                  and n["config"].get("contract", {}).get("enforced")}
    return Published(publication, manifest, contracted)


def marts(published: Published) -> list[str]:
    return [t.removeprefix("marts.") for t in published.publication.tables]


def test_every_published_mart_is_contracted(published):
    assert sorted(marts(published)) == sorted(published.contracted)  # else the comment test below would miss one
    assert len(published.contracted) >= 38


def test_every_contracted_column_has_its_dbt_description_as_comment(published):
    comments = {(t, c): comment for t, c, comment in published.query(
        "select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'")}
    described = {(t, c): (published.manifest["nodes"][uid]["columns"][c]["description"] or "").strip()
                 for uid, n in published.manifest["nodes"].items() if n["resource_type"] == "model"
                 and n["alias"] in published.contracted for t in [n["alias"]] for c in n["columns"]}
    without = sorted(f"{t}.{c}" for t, cols in published.contracted.items() for c in cols
                     if not (comments.get((t, c)) or "").strip())
    assert without == [], f"{len(without)} contracted columns without a comment in the published file: {without}"
    assert {k: (comments[k] or "").strip() for k in described} == described  # the dbt description itself, not any text
    tables = dict(published.query("select table_name, comment from duckdb_tables() where schema_name = 'marts'"))
    assert sorted(t for t in published.contracted if not (tables.get(t) or "").strip()) == []


def constraints(published: Published, kind: str) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for table, columns, referenced, referenced_columns in published.query(
            "select table_name, constraint_column_names, referenced_table, referenced_column_names "
            "from duckdb_constraints() where schema_name = 'marts' and constraint_type = ? order by all", [kind]):
        out.setdefault(table, []).append((tuple(columns), referenced, tuple(referenced_columns)))
    return out


def test_every_mart_has_a_primary_key_that_is_a_key_of_the_data(published):
    primary = constraints(published, "PRIMARY KEY")
    # the one mart whose key has NULLs by design carries it as UNIQUE (a primary key cannot hold NULL; D-B2)
    assert sorted(t for t in marts(published) if t not in primary) == sorted(UNIQUE_KEYS) == ["rpt_restatement"]
    assert constraints(published, "UNIQUE") == {t: [(k, None, ())] for t, k in UNIQUE_KEYS.items()}
    for table, [(key, _, _)] in primary.items():
        columns = ", ".join(f'"{c}"' for c in key)
        duplicated, nulls = published.query(
            f"select (select count(*) from (select {columns} from marts.{table} group by all having count(*) > 1)), "
            f"count(*) filter (where {' or '.join(f'{c} is null' for c in key)}) from marts.{table}")[0]
        assert (duplicated, nulls) == (0, 0), f"marts.{table} key {key}: {duplicated} duplicated, {nulls} NULL"
    # the key is the mart's dbt uniqueness test where it has one
    assert primary["fct_project_actuals"] == [(("actual_id",), None, ())]
    assert primary["dim_exchange_rates"] == [(("from_currency_code", "to_currency_code", "valid_from"), None, ())]
    assert primary["rpt_trial_balance"] == [(("legal_entity", "period", "main_account", "posting_type"), None, ())]


def test_every_dbt_relationship_between_two_marts_is_a_foreign_key_that_holds(published):
    nodes, primary = published.manifest["nodes"], constraints(published, "PRIMARY KEY")
    expected = set()
    for test in nodes.values():
        meta = test.get("test_metadata") or {}
        if test["resource_type"] != "test" or meta.get("name") != "relationships":
            continue
        child = nodes[test["attached_node"]]
        parents = [nodes[d] for d in test["depends_on"]["nodes"] if d != test["attached_node"]]
        if child["alias"] in published.contracted and parents and parents[0]["alias"] in published.contracted \
                and [k for k, _, _ in primary.get(parents[0]["alias"], [])] == [(meta["kwargs"]["field"],)]:
            expected.add((child["alias"], (test["column_name"],), parents[0]["alias"], (meta["kwargs"]["field"],)))
    declared = {(t, cols, ref, ref_cols) for t, fks in constraints(published, "FOREIGN KEY").items()
                for cols, ref, ref_cols in fks}
    assert declared == expected and len(declared) >= 5
    for table, (column,), referenced, (field,) in declared:
        orphans = published.query(f"select count(*) from marts.{table} as child where child.{column} is not null "
                                  f"and not exists (select 1 from marts.{referenced} as parent "
                                  f"where parent.{field} = child.{column})")[0][0]
        assert orphans == 0


def test_every_mart_is_in_the_parquet_folder_with_the_same_rows(published):
    folder = published.publication.parquet_dir
    assert folder == published.publication.path.parent / "parquet"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["_publication.json", *(f"{t}.parquet" for t in marts(published))])
    with duckdb.connect() as con:
        rows = dict(con.execute("select parse_filename(filename, true), count(*) from read_parquet(?, filename=true) "
                                "group by all", [str(folder / "*.parquet")]).fetchall())
        ids = con.execute("select distinct decode(value) from parquet_kv_metadata(?) "
                          "where decode(key) = 'publication_id'", [str(folder / "*.parquet")]).fetchall()
    # a mart without rows gives no group: count 0
    assert {t: rows.get(t, 0) for t in marts(published)} == {
        t.removeprefix("marts."): n for t, n in published.publication.tables.items()}
    assert ids == [(published.publication.publication_id,)]
    summary = json.loads((folder / "_publication.json").read_text())
    assert summary["tables"] == published.publication.tables and summary["run_info"] == {"test": "bi"}
    assert published.query("select publication_id from meta.publication") == [(summary["publication_id"],)]


def test_a_second_publication_of_the_same_build_keeps_every_mart_and_replaces_the_folder_whole(published, demo_build):
    """D-B6: nothing changed, so nothing is written again: every mart kept, every Parquet file the first one's."""
    first = published.publication
    second = publish(demo_build.build_db, first.path, manifest=demo_build.root / "target" / "manifest.json")
    assert set(second.how.values()) == {"kept"} and second.tables == first.tables
    with duckdb.connect() as con:
        ids = con.execute("select distinct decode(value) from parquet_kv_metadata(?) "
                          "where decode(key) = 'publication_id'", [str(second.parquet_dir / "*.parquet")]).fetchall()
    assert ids == [(first.publication_id,)]
    summary = json.loads((second.parquet_dir / "_publication.json").read_text())
    assert summary["publication_id"] == second.publication_id != first.publication_id
    assert set(summary["files_written_by"].values()) == {first.publication_id}
    assert published.query("select publication_id from meta.publication") == [(second.publication_id,)]
    assert len(list(second.parquet_dir.glob("*.parquet"))) == len(second.tables)
    assert sorted(p.name for p in first.path.parent.iterdir()) == ["fieldledger.duckdb", "parquet"]  # no leftovers


def test_the_keyed_and_commented_demo_warehouse_opens_in_duckdb_1_4(published):
    path: Path = published.publication.path
    counts = published.query("select (select count(*) from duckdb_constraints() where constraint_type in "
                             "('PRIMARY KEY', 'FOREIGN KEY', 'UNIQUE')), (select count(comment) from duckdb_columns() "
                             "where schema_name = 'marts'), (select count(*) from marts.fct_trace)")[0]
    out = run_old_duckdb(
        f"import duckdb; c = duckdb.connect(r'{path}', read_only=True); print(duckdb.__version__, *c.execute("
        "\"select (select count(*) from duckdb_constraints() where constraint_type in ('PRIMARY KEY', 'FOREIGN KEY', "
        "'UNIQUE')), (select count(comment) from duckdb_columns() where schema_name = 'marts'), "
        "(select count(*) from marts.fct_trace)\").fetchone())")
    assert out.split() == ["1.4.4", *map(str, counts)]
