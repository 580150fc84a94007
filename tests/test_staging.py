"""Staging (R1, R4, I1) on a small delivery with one bad row of every staging reason, built by real dbt."""

import shutil

import pytest
from conftest import Warehouse
from delivery_builder import ESTIMATED, USED, Delivery


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Warehouse:
    root = tmp_path_factory.mktemp("staging")
    d = Delivery.example_a()
    d.product_line("wop-1", "2026-01-20T10:00:00Z", msdyn_estimatequantity="5")
    d.product_line("wop-1", "2026-02-03T10:00:00Z", status=USED, msdyn_quantity="4", msdyn_qtytobill="3")
    d.product_line("wop-del", "2026-01-21T10:00:00Z", msdyn_estimatequantity="1")
    d.add("msdyn_workorderproduct", msdyn_workorderproductid="wop-del", modifiedon="2026-01-22T10:00:00Z",
          isdelete="true")  # a Dataverse deletion row carries only the id and version columns
    d.product_line("bad-type", "2026-02-04T10:00:00Z", msdyn_quantity="12,5x")
    d.add("msdyn_workorderproduct", msdyn_workorderproductid="bad-date", msdyn_workorder="wo-1",
          msdyn_product="prod-x", msdyn_linestatus=ESTIMATED, modifiedon="2026-13-40T10:00:00Z", file="2026-02-04")
    d.product_line("missing", "2026-02-04T10:00:00Z", product="")
    d.product_line("negative", "2026-02-04T10:00:00Z", status=USED, msdyn_quantity="-2")
    d.product_line("unknown", "2026-02-04T10:00:00Z", product="prod-missing")
    dup = d.product_line("dup", "2026-02-05T10:00:00Z", msdyn_estimatequantity="1")
    d.add("msdyn_workorderproduct", **{**dup, "msdyn_estimatequantity": "2"})  # same id and version, other content
    d.product_line("cents", "2026-02-05T10:00:00Z", msdyn_additionalcost="2.505")
    w = Warehouse(root)
    w.build(d.write(root / "delivery"))
    return w


def _rejected(w: Warehouse) -> dict[str, str]:
    return {r[0]: r[1] for r in w.query(
        "select record_id, reason_code from marts.rpt_rejected_rows where table_name = 'msdyn_workorderproduct'")}


def test_r1_the_highest_version_is_current_and_older_ones_are_kept_as_versions(built):
    assert built.query("select line_status, quantity_to_bill from intermediate.int_work_order_products_current "
                       "where work_order_product_id = 'wop-1'") == [("used", 3)]
    assert built.query("select line_status, is_current_version from intermediate.int_work_order_product_versions "
                       "where work_order_product_id = 'wop-1' order by version_number") == [
        ("estimated", False), ("used", True)]


def test_r1_a_deletion_row_is_current_and_flagged(built):
    assert built.query("select is_deleted, product_id from intermediate.int_work_order_products_current "
                       "where work_order_product_id = 'wop-del'") == [(True, None)]


def test_r4_every_bad_row_is_rejected_with_its_reason(built):
    assert _rejected(built) == {
        "bad-type": "bad_type",
        "bad-date": "bad_type",
        "missing": "missing_required",
        "negative": "negative_quantity",
        "unknown": "unknown_reference",
        "dup": "duplicate_version",
        "cents": "bad_type",
    }
    assert built.query("select count(*) from marts.rpt_rejected_rows where record_id = 'dup'") == [(2,)]


def test_r4_a_rejection_names_file_row_reason_and_raw_values(built):
    (row,) = built.dicts("select * from marts.rpt_rejected_rows where record_id = 'unknown'")
    assert row["file_name"] == "msdyn_workorderproduct/2026-02-04.csv"
    assert row["row_number"] == 5
    assert row["reason"] == "unknown_reference: product 'prod-missing' does not exist"
    assert '"msdyn_product":"prod-missing"' in row["raw_row"]
    assert row["stage"] == "staging"


def test_r4_rejected_rows_never_reach_staging(built):
    assert built.query("select count(*) from intermediate.int_work_order_product_versions "
                       "where work_order_product_id in ('bad-type', 'missing', 'negative', 'unknown', 'dup')") == [(0,)]


def test_i1_conservation_holds_per_table_and_file(built):
    # the singular dbt test of I1 ran in the build; check its arithmetic here as well
    delivered = built.query("select sum(rows_delivered) from raw._landed_files")[0][0]
    outcomes = built.query("""select sum(n) from (
        select count(*) n from intermediate.int_work_order_products_validated
        union all select count(*) from intermediate.int_work_orders_validated
        union all select count(*) from staging.base_field_service__accounts) t""")[0][0]
    assert delivered >= outcomes > 0
    result = built.dbt("test", "--select", "assert_i1_every_delivered_row_is_accounted_for")
    assert result.statuses["assert_i1_every_delivered_row_is_accounted_for"] == "pass"


def test_i1_fails_when_a_landed_row_is_lost(tmp_path, built):
    import shutil

    import duckdb

    shutil.copy(built.build_db, tmp_path / "build.duckdb")
    lossy = Warehouse(tmp_path)
    with duckdb.connect(str(lossy.build_db)) as con:
        con.execute("delete from intermediate.int_work_order_products_validated where _row_number = 1 "
                    "and _file_name like '%2026-02-04%'")
    result = lossy.dbt("test", "--select", "assert_i1_every_delivered_row_is_accounted_for", check=False)
    assert not result.success
    assert result.statuses["assert_i1_every_delivered_row_is_accounted_for"] == "fail"
    assert result.failures["assert_i1_every_delivered_row_is_accounted_for"] == 1


def test_r4_a_rejected_row_is_retried_when_its_reference_arrives(tmp_path):
    w = Warehouse(tmp_path)
    d = Delivery.example_a()
    d.product_line("late-ref", "2026-02-04T10:00:00Z", product="prod-new", msdyn_estimatequantity="1")
    w.build(d.write(tmp_path / "day1"))
    assert w.query("select reason_code from marts.rpt_rejected_rows where record_id = 'late-ref'") == [
        ("unknown_reference",)]
    fix = Delivery()
    fix.add("product", productid="prod-new", productnumber="N", name="New", msdyn_fieldserviceproducttype=690970001,
            defaultuomid="uom-each", price="1", standardcost="1", currentcost="1")
    (tmp_path / "day1" / "product").mkdir()
    fix.write(tmp_path / "fix")
    (tmp_path / "fix" / "product.csv").rename(tmp_path / "day1" / "product" / "2026-02-05.csv")
    (tmp_path / "day1" / "product.csv").rename(tmp_path / "day1" / "product" / "2026-01-01.csv")
    w.build(tmp_path / "day1")
    assert w.query("select count(*) from marts.rpt_rejected_rows where record_id = 'late-ref'") == [(0,)]
    assert w.query("select product_id from intermediate.int_work_order_products_current "
                   "where work_order_product_id = 'late-ref'") == [("prod-new",)]


def test_r3_the_current_state_depends_only_on_the_versions_received_not_their_order(tmp_path):
    d = Delivery.example_a()
    d.product_line("wop-1", "2026-01-20T10:00:00Z", msdyn_estimatequantity="5")
    d.product_line("wop-1", "2026-02-03T10:00:00Z", status=USED, msdyn_quantity="4", msdyn_qtytobill="3")
    d.product_line("wop-2", "2026-02-03T11:00:00Z", msdyn_estimatequantity="1")
    full = d.write(tmp_path / "full")
    current = "select * from intermediate.int_work_order_products_current order by all"
    in_order = Warehouse(tmp_path / "in-order")
    in_order.build(full)
    # the later day arrives first and is processed alone; the earlier day arrives afterwards
    late = tmp_path / "late"
    shutil.copytree(full, late)
    (late / "msdyn_workorderproduct" / "2026-01-20.csv").rename(tmp_path / "2026-01-20.csv")
    reversed_order = Warehouse(tmp_path / "reversed")
    reversed_order.build(late)
    (tmp_path / "2026-01-20.csv").rename(late / "msdyn_workorderproduct" / "2026-01-20.csv")
    reversed_order.build(late)
    assert reversed_order.query(current) == in_order.query(current)
    assert [r[:3] for r in reversed_order.query(current)] == [("wop-1", "wo-1", "prod-x"), ("wop-2", "wo-1", "prod-x")]
