"""Issue 16 item 7, landing side: files and names the way real deliveries spell them, and one broken quote.

Names of tables and columns match case-insensitively (`UOM.csv`, `MSDYN_WORKORDER/`, a header `IsDelete`), gzip CSV
is read, every file still not read is listed as data (raw._ignored_files → rpt_ignored_files, and the summary), and an
unbalanced quote costs only its own record. The landing tests run on real files and a real DuckDB file; `built` runs
the real dbt project once on one delivery with every scenario, so I1 is checked by the project's own test.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import Warehouse
from delivery_builder import USED, Delivery

from orchestration.contract import BY_NAME
from orchestration.dbt import dbt_build_args
from orchestration.landing import SchemaDriftError, land
from orchestration.publish import publish
from orchestration.settings import RUN_SETTING_DEFAULTS, Settings
from orchestration.summary import outcome_models, outcome_relations, render

QUIET = {"progress": lambda _: None}
# staging with every test on it (I1 among them) and the report: what landing feeds, without the engine
BUILD = "+staging +intermediate.validated +rpt_ignored_files"  # the validated layer holds the current rows (D-S14)
WOP = BY_NAME["msdyn_workorderproduct"]


def _query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _csv_line(values: dict) -> str:
    return ",".join(str(values.get(c, "")) for c in WOP.columns)


def _line(line_id: str, **more) -> dict:
    return {"msdyn_workorderproductid": line_id, "msdyn_workorder": "wo-1", "msdyn_product": "prod-x",
            "msdyn_unit": "uom-each", "msdyn_pricelist": "pl-sales", "msdyn_linestatus": USED, "msdyn_quantity": "1",
            "msdyn_qtytobill": "1", "modifiedon": "2026-02-04T10:00:00Z", "versionnumber": "100", "isdelete": "false",
            **more}


def _gzip(path: Path) -> Path:
    target = path.with_name(path.name + ".gz")
    target.write_bytes(gzip.compress(path.read_bytes()))
    path.unlink()
    return target


def _broken_quote_file(path: Path, ids: list[str], broken_at: int) -> None:
    """One record per id; the record at `broken_at` opens a quote it never closes."""
    lines = [",".join(WOP.columns)]
    for i, line_id in enumerate(ids):
        line = _csv_line(_line(line_id))
        lines.append(line.replace(",uom-each,", ',"uom-each,', 1) if i == broken_at else line)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------- landing only

def test_table_and_column_names_match_in_any_case(tmp_path):
    d = Delivery.example_a()
    d.product_line("wop-1", "2026-01-20T10:00:00Z", msdyn_estimatequantity="5")
    delivery = d.write(tmp_path / "delivery")
    (delivery / "uom.csv").rename(delivery / "UOM.csv")
    (delivery / "msdyn_workorder").rename(delivery / "MSDYN_WORKORDER")
    header = ",".join("IsDelete" if c == "isdelete" else c.upper() if c == "msdyn_quantity" else c for c in WOP.columns)
    deletions = [_csv_line(_line(f"del-{i}", isdelete="true", versionnumber=str(200 + i))) for i in range(9)]
    (delivery / "msdyn_workorderproduct" / "2026-02-04.csv").write_text("\n".join([header, *deletions]) + "\n")
    db = tmp_path / "b.duckdb"
    report = land(delivery, db, **QUIET)
    assert report.ignored == []
    assert _query(db, "select uomid, _file_name from raw.uom order by 1") == [
        ("uom-each", "UOM.csv"), ("uom-hour", "UOM.csv")]
    assert _query(db, "select msdyn_workorderid, _file_name from raw.msdyn_workorder") == [
        ("wo-1", "MSDYN_WORKORDER/2026-01-20.csv")]
    assert _query(db, "select count(*), count(msdyn_quantity) from raw.msdyn_workorderproduct "
                      "where isdelete = 'true'") == [(9, 9)]  # the 9 deletions of the issue, no longer lost


def test_a_column_named_twice_in_different_case_is_schema_drift(tmp_path):
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    (delivery / "uom.csv").write_text("uomid,name,Name\nu1,each,piece\n")
    with pytest.raises(SchemaDriftError, match=r"uom.csv: column\(s\) named twice .*Name, name"):
        land(delivery, tmp_path / "b.duckdb", **QUIET)


def test_gzip_csv_files_are_read_fast_and_careful(tmp_path):
    delivery = Delivery.example_a().write(tmp_path / "delivery")
    _gzip(delivery / "product.csv")
    _broken_quote_file(delivery / "msdyn_workorderproduct" / "2026-02-04.csv", ["g-1", "g-2", "g-3"], broken_at=1)
    _gzip(delivery / "msdyn_workorderproduct" / "2026-02-04.csv")
    db = tmp_path / "b.duckdb"
    report = land(delivery, db, **QUIET)
    assert report.ignored == []
    assert _query(db, "select productid, _file_name from raw.product") == [("prod-x", "product.csv.gz")]
    assert _query(db, "select msdyn_workorderproductid, _row_number from raw.msdyn_workorderproduct order by 2") == [
        ("g-1", 1), ("g-3", 3)]
    assert _query(db, "select record_id, row_number from raw._unparseable_rows") == [("g-2", 2)]


def test_a_gzip_file_that_is_not_gzip_stops_the_landing_naming_it(tmp_path):
    delivery = Delivery.example_a().write(tmp_path / "delivery")
    (delivery / "product.csv").rename(delivery / "product.csv.gz")  # plain text under a .gz name
    db = tmp_path / "b.duckdb"
    with pytest.raises(SchemaDriftError, match=r"product.csv.gz: cannot be read .*gzip"):
        land(delivery, db, **QUIET)
    assert not db.exists()


def test_files_not_read_are_listed_with_their_reason_once(tmp_path):
    delivery = Delivery.example_a().write(tmp_path / "delivery")
    (delivery / "notes.txt").write_text("call Bob\n")
    (delivery / "msdyn_workorderservice.xlsx").write_bytes(b"PK\x03\x04")
    (delivery / "workorders_2026").mkdir()
    (delivery / "workorders_2026" / "2026-01-01.csv").write_text("msdyn_workorderid\nwo-9\n")
    (delivery / "msdyn_workorder" / "README.md").write_text("daily files\n")
    (delivery / "uom.csv.zip").write_bytes(b"PK\x05\x06")
    # skipped by design (README), not listed: a leading _ or . anywhere in the path
    (delivery / "_private.csv").write_text("x\n1\n")
    (delivery / ".DS_Store").write_bytes(b"\0")
    (delivery / "msdyn_workorder" / "_tmp").mkdir()
    (delivery / "msdyn_workorder" / "_tmp" / "2026-01-21.csv").write_text("half written")
    db = tmp_path / "b.duckdb"
    report = land(delivery, db, **QUIET)
    expected = [
        ("msdyn_workorder/README.md", "unsupported_format", "not a .csv.gz, .csv, .parquet file"),
        ("msdyn_workorderservice.xlsx", "unsupported_format",
         "not a .csv.gz, .csv, .parquet file (table msdyn_workorderservice)"),
        ("notes.txt", "unsupported_format", "not a .csv.gz, .csv, .parquet file"),
        ("uom.csv.zip", "unsupported_format", "not a .csv.gz, .csv, .parquet file (table uom)"),
        ("workorders_2026/2026-01-01.csv", "unknown_table",
         "folder 'workorders_2026' is not a table of the extract contract (SPEC §1.2)"),
    ]
    listed = "select file_name, reason_code, reason from raw._ignored_files order by 1"
    assert _query(db, listed) == expected
    assert sorted(report.ignored) == [e[0] for e in expected]
    assert _query(db, "select distinct load_id from raw._ignored_files") == [(report.load_id,)]
    # the same delivery again lists nothing twice and starts no landing
    again = land(delivery, db, **QUIET)
    assert again.load_id is None and _query(db, listed) == expected
    # a new ignored file alone is recorded by a landing of its own
    (delivery / "Product.json").write_text("{}")
    third = land(delivery, db, **QUIET)
    assert third.load_id == report.load_id + 1
    assert _query(db, f"select file_name, reason_code from raw._ignored_files where load_id = {third.load_id}") == [
        ("Product.json", "unsupported_format")]


def test_an_unbalanced_quote_loses_only_its_own_record(tmp_path):
    delivery = tmp_path / "delivery"
    path = delivery / "msdyn_workorderproduct" / "2026-02-04.csv"
    _broken_quote_file(path, ["q-0", "broken", "q-1", "q-2", "q-3"], broken_at=1)
    broken_line = path.read_text().splitlines()[2]
    db = tmp_path / "b.duckdb"
    report = land(delivery, db, **QUIET)
    (outcome,) = report.files
    assert (outcome.rows_delivered, outcome.rows_landed, outcome.rows_unparseable) == (5, 4, 1)
    assert _query(db, "select msdyn_workorderproductid, _row_number, msdyn_unit from raw.msdyn_workorderproduct "
                      "order by 2") == [("q-0", 1, "uom-each"), ("q-1", 3, "uom-each"), ("q-2", 4, "uom-each"),
                                        ("q-3", 5, "uom-each")]
    ((row_number, record_id, raw_line, error),) = _query(
        db, "select row_number, record_id, raw_line, error from raw._unparseable_rows")
    assert (row_number, record_id, raw_line) == (2, "broken", broken_line)
    assert error.startswith("CSV syntax: unbalanced quote")


def test_a_quote_never_closed_at_the_end_of_the_file_is_one_record(tmp_path):
    delivery = tmp_path / "delivery"
    path = delivery / "msdyn_workorderproduct" / "2026-02-04.csv"
    _broken_quote_file(path, ["q-0", "q-1", "last"], broken_at=2)
    db = tmp_path / "b.duckdb"
    land(delivery, db, **QUIET)
    assert _query(db, "select msdyn_workorderproductid from raw.msdyn_workorderproduct order by 1") == [
        ("q-0",), ("q-1",)]
    assert _query(db, "select row_number, record_id, error from raw._unparseable_rows") == [
        (3, "last", "CSV syntax: a quoted field is not closed before the end of the file")]


def test_valid_multiline_text_still_lands_and_a_broken_multiline_record_is_one_record(tmp_path):
    delivery = tmp_path / "delivery"
    path = delivery / "msdyn_workorderproduct" / "2026-02-04.csv"
    path.parent.mkdir(parents=True)
    shelf = _csv_line(_line("shelf", msdyn_warehouse='"Shelf A\nrow 3, left"'))
    # a record with one field too many whose quoted text spans two lines: no line after it starts a record
    ragged = _csv_line(_line("ragged", msdyn_warehouse='"Shelf B\nrow 1"')) + ",extra"
    path.write_text("\n".join([",".join(WOP.columns), shelf, ragged, _csv_line(_line("after"))]) + "\n")
    db = tmp_path / "b.duckdb"
    land(delivery, db, **QUIET)
    assert _query(db, "select msdyn_workorderproductid, _row_number, msdyn_warehouse from raw.msdyn_workorderproduct "
                      "order by 2") == [("shelf", 1, "Shelf A\nrow 3, left"), ("after", 3, None)]
    (bad,) = _query(db, "select row_number, record_id, raw_line, error from raw._unparseable_rows")
    assert bad == (2, "ragged", ragged, f"expected {len(WOP.columns)} fields as in the header, found "
                                        f"{len(WOP.columns) + 1}")


# ---------------------------------------------------------------------------------------------- through dbt

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Warehouse, Path, dict[str, str]]:
    """Every scenario in one delivery: UOM.csv, MSDYN_WORKORDER/, product.csv.gz, a daily file with a header
    `IsDelete` and deletions, one with an unbalanced quote, and files that are not read."""
    root = tmp_path_factory.mktemp("bad-files")
    d = Delivery.example_a()
    d.used("ok", "2026-02-03T10:00:00Z", "wo-1", "2")
    for i in range(3):
        d.product_line(f"del-{i}", "2026-02-02T10:00:00Z", msdyn_estimatequantity="1")
    delivery = d.write(root / "delivery")
    (delivery / "uom.csv").rename(delivery / "UOM.csv")
    (delivery / "msdyn_workorder").rename(delivery / "MSDYN_WORKORDER")
    shutil.copy(delivery / "UOM.csv", delivery / "units_backup.csv")
    _gzip(delivery / "product.csv")
    header = ",".join("IsDelete" if c == "isdelete" else c for c in WOP.columns)
    deletions = [_csv_line({"msdyn_workorderproductid": f"del-{i}", "modifiedon": "2026-02-05T10:00:00Z",
                            "versionnumber": str(300 + i), "isdelete": "True"}) for i in range(3)]
    (delivery / "msdyn_workorderproduct" / "2026-02-05.csv").write_text("\n".join([header, *deletions]) + "\n")
    _broken_quote_file(delivery / "msdyn_workorderproduct" / "2026-02-04.csv", ["broken", "q-1", "q-2", "q-3"],
                       broken_at=0)
    (delivery / "MSDYN_WORKORDER" / "notes.md").write_text("see the wiki\n")
    w = Warehouse(root)
    w.land(delivery)
    (delivery / "uom-old.csv").write_text("uomid,name\nu-old,old\n")  # found by a second landing
    w.land(delivery)
    # landing's side of the project, with every test on it (I1 among them): a failing test fails the fixture;
    # cautious: a test that also reads models outside the selection (a later stage's) is not run half-built
    w.dbt(*dbt_build_args(RUN_SETTING_DEFAULTS, select=BUILD), "--indirect-selection", "cautious")
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    publish(w.build_db, root / "warehouse.duckdb")
    return w, delivery, {r["unique_id"].split(".")[-1]: r["status"] for r in results}


def test_every_file_that_is_not_read_is_in_the_published_report_and_the_summary(built):
    w, delivery, _ = built
    # units_backup.csv is no table, but a copy of UOM.csv, which landed: listed in raw, not in the report
    assert sorted(r[0] for r in w.query("select file_name from raw._ignored_files")) == [
        "MSDYN_WORKORDER/notes.md", "units_backup.csv", "uom-old.csv"]
    published = _query(w.root / "warehouse.duckdb", "select file_name, reason_code, reason, load_id "
                                                     "from marts.rpt_ignored_files order by 1")
    assert published == [
        ("MSDYN_WORKORDER/notes.md", "unsupported_format", "not a .csv.gz, .csv, .parquet file", 1),
        ("uom-old.csv", "unknown_table", "'uom-old' is not a table of the extract contract (SPEC §1.2)", 2)]
    settings = Settings(raw_dir=delivery, warehouse=w.root / "warehouse.duckdb", build_db=w.build_db,
                        export_dir=w.root / "exports")
    summary = render(settings)
    section = summary.split("Ignored files", 1)[1].split("\n\n", 1)[0]
    assert "MSDYN_WORKORDER/notes.md" in section and "uom-old.csv" in section
    assert "units_backup.csv" not in section
    # every table's R4 outcome is counted, wherever its outcome model lives (staging base or intermediate/validated)
    staging = summary.split("Staging: rows per table (R1, R4)", 1)[1].split("\n\n", 1)[0]
    listed = {line.split()[0] for line in staging.splitlines()[2:]}
    assert {"msdyn_workorderproduct", "productpricelevel", "msdyn_contractlinescheduleofvalue",
            "closed_periods"} <= listed and len(listed) == 24, staging


def test_names_in_any_case_and_gzip_reach_staging(built):
    w, _, _ = built
    assert w.query("select unit_id from staging.stg_field_service__units order by 1") == [
        ("uom-each",), ("uom-hour",)]
    assert w.query("select product_id, _file_name from staging.stg_field_service__products") == [
        ("prod-x", "product.csv.gz")]
    assert w.query("select work_order_id from intermediate.int_work_orders_current") == [("wo-1",)]
    assert w.query("select work_order_product_id, is_deleted from intermediate.int_work_order_products_current "
                   "where work_order_product_id like 'del-%' order by 1") == [
        ("del-0", True), ("del-1", True), ("del-2", True)]


def test_only_the_broken_record_is_rejected_and_i1_holds(built):
    w, _, results = built
    assert w.query("select table_name, file_name, row_number, record_id from staging.stg_landing__unparseable_rows"
                   ) == [("msdyn_workorderproduct", "msdyn_workorderproduct/2026-02-04.csv", 1, "broken")]
    assert w.query("select work_order_product_id from intermediate.int_work_order_products_current "
                   "where work_order_product_id like 'q-%' order by 1") == [("q-1",), ("q-2",), ("q-3",)]
    assert w.query("select count(*) from intermediate.int_work_order_products_validated "
                   "where reject_reason is not null") == [(0,)]
    assert results["assert_i1_every_delivered_row_is_accounted_for"] == "pass"
    # the arithmetic of rpt_pipeline_reconciliation row 1 (delivered = duplicates + unparseable + staged outcomes)
    delivered, duplicate, unparseable = w.query("select sum(rows_delivered), sum(rows_duplicate), "
                                                "sum(rows_unparseable) from raw._landed_files")[0]
    with duckdb.connect(str(w.build_db), read_only=True) as con:
        relations = outcome_relations(con)
        staged = sum(con.execute(f"select count(*) from {r}").fetchone()[0] for r in relations.values())
    assert len(relations) == len(outcome_models()) == 24, relations
    assert unparseable == 1 and delivered == duplicate + unparseable + staged
