"""Issue 16, bad rows: one row must never stop the pipeline. A value that would overflow money is out_of_range, a
typo'd future year is future_date, a setup snapshot sent again is its newer version, and a late row that conflicts
with a version already used is conflicts_with_published — each rejected (or accepted) per row while the rest of the
delivery builds and publishes.

One warehouse, two landings (every scenario on records of its own), each built by the real dbt project:
  day 1  the bad rows, next to good lines that are priced and published;
  day 2  the whole folder again (unchanged files add nothing) with product.csv re-sent with a changed name, the
         corrected version of the overflowing line, a conflicting copy of a published version, and a conflict
         within the landing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from conftest import Warehouse
from delivery_builder import FIXED_PRICE, USED, Delivery

from orchestration.publish import publish
from orchestration.settings import Settings
from orchestration.summary import render

LATEST_REAL_DAY_1 = "2026-02-06"
LATEST_REAL_DAY_2 = "2026-02-10"


def day_one() -> tuple[Delivery, dict[str, dict]]:
    d = Delivery.example_a()  # prod-x: list price 45, price list 40, current cost 15; T&M contract line cl-1
    rows = {}
    rows["ok"] = d.used("ok", "2026-02-03T10:00:00Z", "wo-1", "2")
    # every value at its allowed maximum still prices, bills and posts: 1e6 × 1e8 + 1e13 fits DECIMAL(18,2)
    d.used("maxima", "2026-02-03T11:00:00Z", "wo-1", "1000000", msdyn_unitamount="100000000",
           msdyn_unitcost="100000000", msdyn_additionalcost="10000000000000")
    # 1. fits DECIMAL(18,4), but quantity × price overflows the money of R14
    rows["huge"] = d.used("huge", "2026-02-04T10:00:00Z", "wo-1", "99999999999999")
    d.used("pricey", "2026-02-04T11:00:00Z", "wo-1", "1", msdyn_unitamount="100000001")
    d.add("msdyn_workorderservice", msdyn_workorderserviceid="long", msdyn_workorder="wo-1", msdyn_service="prod-x",
          msdyn_unit="uom-hour", msdyn_pricelist="pl-sales", msdyn_linestatus=USED, msdyn_duration="2000000",
          msdyn_durationtobill="2000000", modifiedon="2026-02-04T12:00:00Z")
    d.add("product", productid="prod-gold", productnumber="G", name="Gold", msdyn_fieldserviceproducttype=690970000,
          defaultuomid="uom-each", price="250000000", standardcost="1", currentcost="1")
    d.add("productpricelevel", productpricelevelid="ppl-markup", pricelevelid="pl-sales", productid="prod-x",
          uomid="uom-hour", amount="", pricingmethodcode=3, percentage="5000")
    d.add("taxgroup", taxgroupid="TG-odd", rate_percent="150")
    d.add("exchangerate", fromcurrency="EUR", tocurrency="USD", validfrom="2026-01-01", rate="0")
    d.add("msdyn_fieldservicepricelistitem", msdyn_pricelist="pl-sales", msdyn_product="prod-x",
          msdyn_flatfee="false", msdyn_roundingpolicy="up", msdyn_roundingto="5000000")
    d.project("fp", billing_method=FIXED_PRICE, contracted="1000.00")
    d.add("salesorderdetail", salesorderdetailid="cl-huge", salesorderid="so-fp", msdyn_project="proj-fp",
          msdyn_billingmethod=FIXED_PRICE, msdyn_includematerial="false", msdyn_includetime="false",
          extendedamount="1000000000000000.00")
    d.milestone("ms-huge", "cl-fp", "2026-03-01", "1000000000000000.00", "2026-02-05T10:00:00Z")
    # 3. a typo'd year; a milestone planned for later is legitimate
    d.product_line("typo", "2062-04-30T10:00:00Z", msdyn_estimatequantity="1")
    d.work_order("wo-typo", "2026-02-05T09:00:00Z", createdon="2062-01-20T09:00:00Z")
    d.milestone("ms-later", "cl-fp", "2027-06-30", "500.00", "2026-02-05T11:00:00Z", ready=False)
    # 7. a version that day 2 contradicts, after it was published
    rows["conflict"] = d.used("conflict", f"{LATEST_REAL_DAY_1}T10:00:00Z", "wo-1", "2")
    return d, rows


def day_two(d: Delivery, rows: dict[str, dict]) -> None:
    # 2. the setup snapshot again, one name changed
    next(r for r in d.files["product"][""] if r["productid"] == "prod-x")["name"] = "Product X (renamed)"
    # 1. the overflowing line corrected by its next version
    d.used("huge", f"{LATEST_REAL_DAY_2}T09:00:00Z", "wo-1", "3")
    # 7. same id and versionnumber as the published day-1 row, other content; and a conflict within this landing
    d.add("msdyn_workorderproduct", file=LATEST_REAL_DAY_2, **{**rows["conflict"], "msdyn_quantity": "5",
                                                             "msdyn_qtytobill": "5"})
    dup = d.product_line("dup", f"{LATEST_REAL_DAY_2}T10:00:00Z", msdyn_estimatequantity="1")
    d.add("msdyn_workorderproduct", **{**dup, "msdyn_estimatequantity": "2"})


@dataclass
class History:
    w: Warehouse
    rejected_1: list[dict]
    as_of_1: dict
    muls_1: list[dict]
    summary_1: str
    published_rejections_1: list[tuple]
    rejected_2: list[dict]


def _rejected(w: Warehouse) -> list[dict]:
    return w.dicts("select * from marts.rpt_rejected_rows order by table_name, load_id, file_name, row_number")


def _muls(w: Warehouse) -> list[dict]:
    return w.dicts("select work_order_line_id, revision, cost_quantity, cost_amount, sales_quantity, sales_amount "
                   "from marts.fct_material_usage_logs order by 1, 2")


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> History:
    root = tmp_path_factory.mktemp("bad_rows")
    w = Warehouse(root)
    d, rows = day_one()
    w.build(d.write(root / "day1"))
    warehouse = root / "published.duckdb"
    publish(w.build_db, warehouse)
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        published = con.execute("select record_id, reason_code from marts.rpt_rejected_rows").fetchall()
    settings = Settings(raw_dir=root / "day1", warehouse=warehouse, build_db=w.build_db, export_dir=root / "exports")
    first = dict(rejected_1=_rejected(w), as_of_1=w.dicts("select * from intermediate.int_delivery_as_of_date")[0],
                 muls_1=_muls(w), summary_1=render(settings), published_rejections_1=published)
    day_two(d, rows)
    w.build(d.write(root / "day2"))  # the whole folder again, changed where day 2 changes it
    return History(w=w, **first, rejected_2=_rejected(w))


def _reasons(rejected: list[dict], table: str | None = None) -> dict[str, tuple[str, str]]:
    return {r["record_id"]: (r["reason_code"], r["reason"]) for r in rejected if table in (None, r["table_name"])}


# ---------------------------------------------------------------------------------------------- 1. out_of_range

@pytest.mark.parametrize(("table", "record", "reason"), [
    ("msdyn_workorderproduct", "huge",
     "out_of_range: msdyn_quantity '99999999999999' is outside the allowed range 0 to 1,000,000"),
    ("msdyn_workorderproduct", "pricey",
     "out_of_range: msdyn_unitamount '100000001' is outside the allowed range -100,000,000 to 100,000,000"),
    ("msdyn_workorderservice", "long",
     "out_of_range: msdyn_duration '2000000' is outside the allowed range 0 to 1,000,000"),
    ("product", "prod-gold", "out_of_range: price '250000000' is outside the allowed range -100,000,000 to 100,000,000"),
    ("productpricelevel", "ppl-markup", "out_of_range: percentage '5000' is outside the allowed range -100 to 1,000"),
    ("taxgroup", "TG-odd", "out_of_range: rate_percent '150' is outside the allowed range 0 to 100"),
    ("exchangerate", "EUR|USD|2026-01-01",
     "out_of_range: rate '0' is outside the allowed range 0.00000001 to 1,000,000"),
    ("msdyn_fieldservicepricelistitem", "pl-sales|prod-x",
     "out_of_range: msdyn_roundingto '5000000' is outside the allowed range 0 to 1,000,000"),
    ("salesorderdetail", "cl-huge", "out_of_range: extendedamount '1000000000000000.00' is outside the allowed range "
     "-10,000,000,000,000 to 10,000,000,000,000"),
    ("msdyn_contractlinescheduleofvalue", "ms-huge", "out_of_range: msdyn_amount '1000000000000000.00' is outside "
     "the allowed range -10,000,000,000,000 to 10,000,000,000,000"),
])
def test_a_value_that_would_overflow_money_is_rejected_as_out_of_range(history, table, record, reason):
    assert _reasons(history.rejected_1, table).get(record) == ("out_of_range", reason)


def test_the_rest_of_the_delivery_builds_and_publishes(history):
    # the build ran every model and blocking test (Warehouse.build fails otherwise), and the marts were published
    assert ("huge", "out_of_range") in history.published_rejections_1
    lines = {m["work_order_line_id"]: m for m in history.muls_1}
    assert set(lines) == {"ok", "conflict", "maxima"}
    assert (lines["ok"]["cost_amount"], lines["ok"]["sales_amount"]) == (Decimal("30.00"), Decimal("80.00"))
    assert (lines["maxima"]["cost_amount"], lines["maxima"]["sales_amount"]) == (
        Decimal("110000000000000.00"), Decimal("100000000000000.00"))


def test_a_corrected_later_version_of_the_overflowing_line_is_accepted_and_priced(history):
    w = history.w
    assert w.query("select quantity from intermediate.int_work_order_products_current "
                   "where work_order_product_id = 'huge'") == [(Decimal("3.0000"),)]
    assert w.query("select cost_quantity, cost_amount, sales_quantity, sales_amount from marts.fct_material_usage_logs "
                   "where work_order_line_id = 'huge'") == [
        (Decimal("3.0000"), Decimal("45.00"), Decimal("3.0000"), Decimal("120.00"))]
    # the overflowing version itself stays listed, with the landing it came in
    huge = [(r["load_id"], r["reason_code"]) for r in history.rejected_2 if r["record_id"] == "huge"]
    assert huge == [(1, "out_of_range")]


# ---------------------------------------------------------------------------------------------- 3. future_date

def test_a_typod_future_year_is_rejected_and_does_not_move_the_as_of_date(history):
    reasons = _reasons(history.rejected_1)
    code, reason = reasons["typo"]
    assert code == "future_date"
    assert reason.startswith("future_date: modifiedon '2062-04-30T10:00:00Z' is later than the run clock ")
    assert reason.endswith(" UTC plus one day")
    assert reasons["wo-typo"][0] == "future_date" and "createdon '2062-01-20T09:00:00Z'" in reasons["wo-typo"][1]
    assert str(history.as_of_1["as_of_date"]) == LATEST_REAL_DAY_1
    assert str(history.as_of_1["effective_as_of_date"]) == LATEST_REAL_DAY_1
    assert str(history.w.query("select as_of_date from intermediate.int_delivery_as_of_date")[0][0]) == LATEST_REAL_DAY_2


def test_a_milestone_planned_for_a_later_date_is_accepted(history):
    assert "ms-later" not in _reasons(history.rejected_2)
    assert history.w.query("select invoice_date from intermediate.int_milestones_current "
                           "where milestone_id = 'ms-later'")[0][0].isoformat() == "2027-06-30"


def test_the_summary_prints_the_effective_as_of_date(history):
    section = history.summary_1.split("Effective as_of_date")[1].split("\n\n")[0]
    assert f"{LATEST_REAL_DAY_1}  the latest accepted modifiedon" in section


# ---------------------------------------------------------------------------------------------- 2. setup snapshot again

def test_a_resent_setup_snapshot_is_the_newer_version(history):
    w = history.w
    assert {k: v[0] for k, v in _reasons(history.rejected_2, "product").items()} == {"prod-gold": "out_of_range"}
    assert w.query("select product_name from staging.stg_field_service__products where product_id = 'prod-x'") == [
        ("Product X (renamed)",)]
    assert w.query("select product_name from marts.dim_products where product_id = 'prod-x'") == [
        ("Product X (renamed)",)]
    assert not [r for r in history.rejected_2 if r["reason_code"] == "unknown_reference"]
    assert w.query("select work_order_product_id from intermediate.int_work_order_products_current "
                   "where product_id = 'prod-x' order by 1") == [("conflict",), ("huge",), ("maxima",), ("ok",)]


def test_the_older_snapshot_row_is_superseded_not_rejected(history):
    assert history.w.query("""select _load_id, product_name, is_current, reject_reason
                              from staging.base_field_service__products where product_id = 'prod-x'
                              order by _load_id""") == [
        (1, "Product X", False, None), (2, "Product X (renamed)", True, None)]


# ---------------------------------------------------------------------------------------------- 7. conflicts

def test_a_late_conflicting_row_alone_is_rejected_and_the_published_version_stays(history):
    w = history.w
    conflict = [(r["load_id"], r["reason_code"], r["reason"]) for r in history.rejected_2 if r["record_id"] == "conflict"]
    assert len(conflict) == 1
    load_id, code, reason = conflict[0]
    assert (load_id, code) == (2, "conflicts_with_published")
    assert f"landed first (load 1, msdyn_workorderproduct/{LATEST_REAL_DAY_1}.csv row " in reason
    assert w.query("select quantity from intermediate.int_work_order_products_current "
                   "where work_order_product_id = 'conflict'") == [(Decimal("2.0000"),)]
    before = [m for m in history.muls_1 if m["work_order_line_id"] == "conflict"]
    assert before and [m for m in _muls(w) if m["work_order_line_id"] == "conflict"] == before
    assert w.query("select count(*) from marts.fct_project_actuals "
                   "where work_order_line_id = 'conflict' and reverses_actual_id is not null") == [(0,)]


def test_conflicting_rows_within_one_landing_are_both_duplicate_version_and_distinguishable(history):
    dup = [r for r in history.rejected_2 if r["record_id"] == "dup"]
    assert [r["reason_code"] for r in dup] == ["duplicate_version", "duplicate_version"]
    assert {r["load_id"] for r in dup} == {2}
    assert len({(r["load_id"], r["file_name"], r["row_number"]) for r in dup}) == 2


def test_every_rejected_row_names_its_landing(history):
    assert [r for r in history.rejected_2 if r["stage"] in ("landing", "staging") and r["load_id"] is None] == []

