"""Project Operations engine (R7–R19) on small deliveries built by hand, run through real dbt builds — which also
run the invariant tests I1–I4 on every build. Worked examples: SPEC §5 A and B, domain-research §7.1, §7.2,
§7.11, §7.19. Scenarios share deliveries (one project per scenario) to keep the number of dbt runs small."""

from decimal import Decimal as D

import pytest
from conftest import Warehouse
from delivery_builder import ESTIMATED, FIXED_PRICE, USED, Delivery

CANCELED = 690970005


def add_project(d: Delivery, name: str, **kwargs) -> None:
    d.project(name, **kwargs)


def used(d: Delivery, line: str, at: str, wo: str, qty: str, to_bill: str | None = None, **more) -> dict:
    return d.used(line, at, wo, qty, to_bill, **more)


def example_a_lines(d: Delivery, line: str, wo: str) -> None:
    d.product_line(line, "2026-01-20T10:00:00Z", wo=wo, msdyn_estimatequantity="5")
    used(d, line, "2026-02-03T10:00:00Z", wo, "4", "3", msdyn_estimatequantity="5", msdyn_discountpercent="25",
         msdyn_additionalcost="2.50", msdyn_commissioncosts="1.00")


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Warehouse:
    root = tmp_path_factory.mktemp("engine")
    d = Delivery.example_a()
    example_a_lines(d, "wop-1", "wo-1")
    # example A again with its v3 (2026-02-10: quantity to bill 2, before the invoice run)
    d.work_order("wo-a3", "2026-01-20T09:00:00Z")
    example_a_lines(d, "a3", "wo-a3")
    used(d, "a3", "2026-02-10T08:00:00Z", "wo-a3", "4", "2", msdyn_estimatequantity="5", msdyn_discountpercent="25",
         msdyn_additionalcost="2.50", msdyn_commissioncosts="1.00")
    # example B: a service with a field-service price list item
    d.add("product", productid="svc", productnumber="S", name="Repair", msdyn_fieldserviceproducttype=690970002,
          defaultuomid="uom-hour", price="90", standardcost="30", currentcost="30.00")
    d.add("productpricelevel", productpricelevelid="ppl-s", pricelevelid="pl-sales", productid="svc",
          uomid="uom-hour", amount="80.00", pricingmethodcode=1)
    d.add("msdyn_fieldservicepricelistitem", msdyn_pricelist="pl-sales", msdyn_product="svc", msdyn_flatfee="false",
          msdyn_minimumchargeduration="15", msdyn_minimumchargeamount="25.00", msdyn_roundingpolicy="nearest",
          msdyn_roundingto="30")
    d.add("msdyn_workorderservice", msdyn_workorderserviceid="wos-b", msdyn_workorder="wo-1", msdyn_service="svc",
          msdyn_unit="uom-hour", msdyn_pricelist="pl-sales", msdyn_linestatus=USED, msdyn_estimateduration="60",
          msdyn_duration="50", msdyn_durationtobill="50", modifiedon="2026-02-03T10:00:00Z")
    # §7.19 #2: manual price and cost on the line
    used(d, "manual", "2026-02-03T10:00:00Z", "wo-1", "3", "2", msdyn_unitamount="50.00", msdyn_discountpercent="10",
         msdyn_unitcost="20.00", msdyn_additionalcost="5.00")
    # §7.19 #3: a fixed-price contract line
    add_project(d, "fp", billing_method=FIXED_PRICE)
    example_a_lines(d, "fp-line", "wo-fp")
    # a contract line without materials: billing type not available
    add_project(d, "na", materials="false")
    used(d, "na-line", "2026-02-03T10:00:00Z", "wo-na", "1")
    # R19: a line limit of 150.00 at 40.00 each
    add_project(d, "nte", nte="150.00")
    used(d, "nte-a", "2026-02-02T10:00:00Z", "wo-nte", "2")  # 80 → 80 committed
    used(d, "nte-b", "2026-02-03T10:00:00Z", "wo-nte", "2")  # 80 → 160 failed
    used(d, "nte-c", "2026-02-04T10:00:00Z", "wo-nte", "1")  # 40 → 120 committed
    # R5: half a cent rounds away from zero — 3 × 0.0125 = 0.0375 → 0.04, cost 3 × 0.0015 = 0.0045 → 0.00
    used(d, "half-cent", "2026-02-03T10:00:00Z", "wo-1", "3", msdyn_unitamount="0.0125", msdyn_unitcost="0.0015")
    # R6: used at 23:30 UTC on the last day of February is February, whatever the local time zone
    used(d, "late-night", "2026-02-28T23:30:00Z", "wo-1", "1")
    # R7 / R8: no project; two contract lines with materials
    d.work_order("wo-np", "2026-01-20T09:00:00Z", project="")
    used(d, "np", "2026-02-02T10:00:00Z", "wo-np", "1")
    add_project(d, "amb", lines=2)
    used(d, "amb-line", "2026-02-02T10:00:00Z", "wo-amb", "1")
    w = Warehouse(root)
    w.build(d.write(root / "delivery"), env={"TZ": "Pacific/Auckland"})  # R6: the machine's zone must not matter
    return w


def mul(w: Warehouse, line: str) -> dict:
    (row,) = w.dicts("select * from marts.fct_material_usage_logs where work_order_line_id = ? "
                     "order by revision desc limit 1", [line])
    return row


def actuals(w: Warehouse, line: str) -> list[tuple]:
    return w.query("""select transaction_type, amount, adjustment_status, accounting_date::varchar
                      from marts.fct_project_actuals where work_order_line_id = ?
                      order by created_at, transaction_type, amount desc""", [line])


def test_r10_estimates_of_example_a(engine):
    assert engine.query("""select transaction_type, quantity, unit_price, amount, pricing_date::varchar
                           from marts.fct_estimate_lines where work_order_line_id = 'wop-1' order by 1""") == [
        ("cost", D("5"), D("15"), D("75.00"), "2026-01-20"), ("sales", D("5"), D("40"), D("200.00"), "2026-01-20")]


def test_r10_estimate_of_a_service_is_in_hours_without_minimum_charge(engine):
    assert engine.query("""select transaction_type, quantity, amount from marts.fct_estimate_lines
                           where work_order_line_id = 'wos-b' order by 1""") == [
        ("cost", D("1"), D("30.00")), ("sales", D("1"), D("80.00"))]


def test_r11_r14_r16_r17_example_a_mul_journal_lines_and_actuals(engine):
    m = mul(engine, "wop-1")
    assert (m["revision"], str(m["usage_date"]), m["sales_amount"], m["cost_amount"]) == (1, "2026-02-03", D("90"), D("63.5"))
    assert (m["price_source"], m["price_list_id"], m["cost_source"]) == ("price_list", "pl-sales", "product_current_cost")
    assert engine.query("""select transaction_type, amount, approval_status from marts.fct_project_journal_lines
                           where work_order_line_id = 'wop-1' order by 1""") == [
        ("cost", D("63.50"), "approved"), ("unbilled_sales", D("90.00"), "approved")]
    rows = engine.dicts("select * from marts.fct_project_actuals where work_order_line_id = 'wop-1' order by 11")
    assert [(r["transaction_type"], r["amount"], r["billing_status"]) for r in rows] == [
        ("cost", D("63.50"), None), ("unbilled_sales", D("90.00"), "unbilled_sales_created")]
    assert {(str(r["transaction_date"]), str(r["accounting_date"]), str(r["created_at"])) for r in rows} == {
        ("2026-02-03", "2026-02-03", "2026-02-03 10:00:00")}


def test_r15_r18_example_a_v3_reverses_and_replaces(engine):
    """SPEC §5 A: v3 on 2026-02-10 → MUL revision 2 (sales 60.00, cost 63.50); actuals reversed and replaced."""
    assert engine.query("""select revision, sales_amount, cost_amount from marts.fct_material_usage_logs
                           where work_order_line_id = 'a3' order by 1""") == [
        (1, D("90.00"), D("63.50")), (2, D("60.00"), D("63.50"))]
    assert actuals(engine, "a3") == [
        ("cost", D("63.50"), "adjusted", "2026-02-03"), ("unbilled_sales", D("90.00"), "adjusted", "2026-02-03"),
        ("cost", D("63.50"), None, "2026-02-03"), ("cost", D("-63.50"), "unadjustable", "2026-02-10"),
        ("unbilled_sales", D("60.00"), None, "2026-02-03"),
        ("unbilled_sales", D("-90.00"), "unadjustable", "2026-02-10")]


def test_r13_example_b_service_rounding_and_minimum_charge(engine):
    m = mul(engine, "wos-b")
    assert (m["sales_quantity"], m["sales_amount"], m["minimum_charge_amount"]) == (D("0.75"), D("85.00"), D("25"))
    assert (m["cost_quantity"], m["cost_amount"]) == (D("0.8333"), D("25.00"))
    assert (m["service_rounded_minutes"], m["service_billable_minutes"]) == (D("60"), D("45"))


def test_r12_r14_manual_price_and_cost_of_fixture_7_19(engine):
    """§7.19 #2: qty 3, to bill 2, unit amount 50.00, discount 10 %, unit cost 20.00, additional 5.00 →
    sales 90.00, cost 65.00, and (T&M, auto-approve) cost and unbilled-sales actuals of those amounts."""
    m = mul(engine, "manual")
    assert (m["price_source"], m["cost_source"], m["sales_amount"], m["cost_amount"]) == (
        "manual", "manual", D("90.00"), D("65.00"))
    assert [(t, a) for t, a, *_ in actuals(engine, "manual")] == [("cost", D("65.00")), ("unbilled_sales", D("90.00"))]


def test_r16_fixed_price_lines_get_cost_only(engine):
    assert engine.query("select transaction_type from marts.fct_project_journal_lines "
                        "where work_order_line_id = 'fp-line'") == [("cost",)]
    assert [(t, a) for t, a, *_ in actuals(engine, "fp-line")] == [("cost", D("63.50"))]


def test_r8_r9_no_material_contract_line_means_not_available_and_cost_only(engine):
    m = mul(engine, "na-line")
    assert (m["billing_type"], m["contract_line_id"]) == ("not_available", None)
    assert [(t, a) for t, a, *_ in actuals(engine, "na-line")] == [("cost", D("15.00"))]


def test_r19_not_to_exceed_fails_what_goes_over_and_lets_a_smaller_later_item_fit(engine):
    assert engine.query("""select work_order_line_id, nte_status from marts.fct_project_actuals
                           where project_id = 'proj-nte' and transaction_type = 'unbilled_sales' order by 1""") == [
        ("nte-a", "committed"), ("nte-b", "failed"), ("nte-c", "committed")]
    assert engine.query("""select distinct nte_status from marts.fct_project_actuals
                           where project_id = 'proj-1' and transaction_type = 'unbilled_sales'""") == [
        ("not_applicable",)]


def test_r7_r8_lines_without_project_or_with_an_ambiguous_contract_line_are_reported(engine):
    assert engine.query("""select record_id, reason_code, stage from marts.rpt_rejected_rows
                           where stage = 'engine' order by 1""") == [
        ("amb-line", "ambiguous_contract_line", "engine"), ("np", "work_order_without_project", "engine")]
    assert engine.query("select count(*) from marts.fct_material_usage_logs "
                        "where work_order_line_id in ('np', 'amb-line')") == [(0,)]


def test_r5_money_is_decimal_rounded_half_away_from_zero(engine):
    assert engine.query("""select sales_amount, cost_amount from marts.fct_material_usage_logs
                           where work_order_line_id = 'half-cent'""") == [(D("0.04"), D("0.00"))]
    assert engine.query("""select table_name, column_name, data_type from information_schema.columns
                           where table_schema = 'marts' and (data_type like '%DOUBLE%' or data_type like '%FLOAT%'
                           or (column_name like '%amount%' and data_type <> 'DECIMAL(18,2)'
                               and column_name <> 'amounts_without_exchange_rate'))""") == []  # that one counts


def test_r6_dates_are_utc_and_the_period_is_the_calendar_month(engine):
    assert engine.query("""select transaction_date::varchar, accounting_date::varchar from marts.fct_project_actuals
                           where work_order_line_id = 'late-night' and transaction_type = 'cost'""") == [
        ("2026-02-28", "2026-02-28")]
    assert engine.query("select period from marts.dim_dates where date_day = '2026-02-28'") == [("2026-02",)]


def test_reports_profitability_ties_to_the_actuals(engine):
    assert engine.query("""select actual_cost, actual_sales, actual_margin from marts.rpt_work_order_profitability
                           where work_order_id = 'wo-a3'""") == [(D("63.50"), D("60.00"), D("-3.50"))]
    assert engine.query("""select estimated_cost, actual_cost, cost_variance from marts.rpt_estimate_vs_actual
                           where work_order_line_id = 'a3'""") == [(D("75.00"), D("63.50"), D("-11.50"))]


# ------------------------------------------------------------------------------------ a history in parts

def test_r18_i9_later_deliveries_reverse_but_never_rewrite_published_actuals(tmp_path):
    d = Delivery.example_a()
    add_project(d, "other")
    d.work_order("wo-2", "2026-01-20T09:00:00Z")
    for line, wo in (("edit", "wo-1"), ("delete", "wo-1"), ("unuse", "wo-1"), ("keep", "wo-1"),
                     ("cancel", "wo-2"), ("move", "wo-2")):
        used(d, line, "2026-02-02T10:00:00Z", wo, "2")
    add_project(d, "nte", nte="150.00")
    used(d, "nte-a", "2026-02-02T10:00:00Z", "wo-nte", "2")  # 80 committed
    used(d, "nte-c", "2026-02-04T10:00:00Z", "wo-nte", "1")  # 120 committed
    w = Warehouse(tmp_path)
    w.build(d.write(tmp_path / "delivery"))
    first = w.dicts("select * from intermediate.int_project_actuals_recorded order by actual_id")
    first_nte = w.query("select * from intermediate.int_unbilled_sales_nte_evaluated order by 1")
    assert len(first) == 16

    # day 2: edited, deleted (a Dataverse deletion row), set back to Estimated, work order canceled, and NTE
    day2 = Delivery()
    day2._version = 1000
    used(day2, "edit", "2026-02-20T10:00:00Z", "wo-1", "3")
    day2.add("msdyn_workorderproduct", msdyn_workorderproductid="delete", modifiedon="2026-02-21T10:00:00Z",
             isdelete="true")
    day2.product_line("unuse", "2026-02-22T10:00:00Z", status=ESTIMATED, msdyn_estimatequantity="2")
    day2.work_order("wo-2", "2026-02-23T10:00:00Z", status=CANCELED)
    used(day2, "nte-d", "2026-02-24T10:00:00Z", "wo-nte", "1")  # 160 failed: earlier statuses stay
    day2.write(tmp_path / "delivery")  # the next daily files, beside day 1's
    w.build(tmp_path / "delivery")

    after = {r["actual_id"]: r for r in w.dicts("select * from intermediate.int_project_actuals_recorded")}
    assert all(after[r["actual_id"]] == r for r in first), "an actual of the first run changed (I9)"
    assert set(first_nte) <= set(w.query("select * from intermediate.int_unbilled_sales_nte_evaluated"))
    assert w.query("""select work_order_line_id, transaction_type, amount, accounting_date::varchar,
                      reverses_actual_id is not null from marts.fct_project_actuals
                      where created_at >= '2026-02-20' and project_id <> 'proj-nte' order by 1, 2, 3""") == [
        ("cancel", "cost", D("-30.00"), "2026-02-23", True), ("cancel", "unbilled_sales", D("-80.00"), "2026-02-23", True),
        ("delete", "cost", D("-30.00"), "2026-02-21", True), ("delete", "unbilled_sales", D("-80.00"), "2026-02-21", True),
        ("edit", "cost", D("-30.00"), "2026-02-20", True), ("edit", "cost", D("45.00"), "2026-02-02", False),
        ("edit", "unbilled_sales", D("-80.00"), "2026-02-20", True),
        ("edit", "unbilled_sales", D("120.00"), "2026-02-02", False),
        ("move", "cost", D("-30.00"), "2026-02-23", True), ("move", "unbilled_sales", D("-80.00"), "2026-02-23", True),
        ("unuse", "cost", D("-30.00"), "2026-02-22", True), ("unuse", "unbilled_sales", D("-80.00"), "2026-02-22", True),
    ]
    assert w.query("""select work_order_line_id, nte_status from marts.fct_project_actuals
                      where project_id = 'proj-nte' and transaction_type = 'unbilled_sales' order by 1""") == [
        ("nte-a", "committed"), ("nte-c", "committed"), ("nte-d", "failed")]

    # day 3: wo-2 reopened on another project → new actuals on that project's contract line; plus a version of
    # 'keep' delivered late, older than its recorded revision: it changes nothing
    day3 = Delivery()
    day3._version = 500
    day3.product_line("keep", "2026-02-01T10:00:00Z", status=USED, msdyn_quantity="9", msdyn_qtytobill="9",
                      file="2026-02-25")
    day3._version = 2000
    day3.work_order("wo-2", "2026-02-25T10:00:00Z", project="proj-other")
    day3.write(tmp_path / "delivery")
    w.build(tmp_path / "delivery")
    assert w.query("""select contract_line_id, transaction_type, amount from marts.fct_project_actuals
                      where work_order_line_id = 'move' and created_at >= '2026-02-25' order by 2""") == [
        ("cl-other", "cost", D("30.00")), ("cl-other", "unbilled_sales", D("80.00"))]
    assert w.query("select count(*) from marts.fct_project_actuals where work_order_line_id = 'keep'") == [(2,)]

    # I8: running again on the same delivery changes no mart
    before = {t: w.query(f"select * from marts.{t} order by all") for t in
              ("fct_project_actuals", "fct_material_usage_logs", "fct_estimate_lines", "rpt_rejected_rows")}
    w.dbt(settings={})
    assert {t: w.query(f"select * from marts.{t} order by all") for t in before} == before


# ------------------------------------------------------------------------------------ the other settings

def test_r12_r14_r17_project_operations_prices_costs_and_manual_approval(tmp_path):
    """calculate_price_in_field_service = false → the contract's list (42.00); calculate_cost_in_field_service =
    false → the contracting unit's cost list (12.00); auto_approve = false → MULs wait for msdyn_projectapproval."""
    d = Delivery.example_a()
    example_a_lines(d, "wop-1", "wo-1")
    used(d, "other", "2026-02-04T10:00:00Z", "wo-1", "1")
    d.add("pricelevel", pricelevelid="pl-contract", name="Contract", begindate="2026-01-01", enddate="",
          transactioncurrencyid="USD", msdyn_module=192350002, createdon="2025-12-01T00:00:00Z")
    d.add("productpricelevel", productpricelevelid="ppl-c", pricelevelid="pl-contract", productid="prod-x",
          uomid="uom-each", amount="42.00", pricingmethodcode=1)
    d.add("productpricelevel", productpricelevelid="ppl-cost", pricelevelid="pl-cost", productid="prod-x",
          uomid="uom-each", amount="12.00", pricingmethodcode=1)
    d.files["salesorder"][""][0]["pricelevelid"] = "pl-contract"
    d.files["msdyn_projectpricelist"][""][1]["msdyn_pricelist"] = "pl-contract"
    settings = dict(calculate_price_in_field_service=False, calculate_cost_in_field_service=False, auto_approve=False)
    w = Warehouse(tmp_path)
    w.build(d.write(tmp_path / "delivery"), **settings)
    assert w.query("""select unit_price, price_source, price_list_id, unit_cost, cost_source, cost_price_list_id,
                      sales_amount, cost_amount, approval_status from marts.fct_material_usage_logs
                      where work_order_line_id = 'wop-1'""") == [
        (D("42"), "price_list", "pl-contract", D("12"), "cost_price_list", "pl-cost", D("94.50"), D("51.50"), "pending")]
    assert w.query("select count(*) from marts.fct_project_actuals") == [(0,)]
    assert w.query("select count(*) from marts.rpt_approval_backlog") == [(2,)]

    muls = dict(w.query("select work_order_line_id, mul_id from marts.fct_material_usage_logs"))
    decisions = Delivery()
    decisions.add("msdyn_projectapproval", msdyn_projectapprovalid="ap-1", msdyn_materialusagelog=muls["wop-1"],
                  msdyn_recordstage=2, msdyn_approvedon="2026-02-05T09:00:00Z", modifiedon="2026-02-05T09:00:00Z")
    decisions.add("msdyn_projectapproval", msdyn_projectapprovalid="ap-2", msdyn_materialusagelog=muls["other"],
                  msdyn_recordstage=1, modifiedon="2026-02-05T09:00:00Z")
    decisions.add("msdyn_projectapproval", msdyn_projectapprovalid="ap-x", msdyn_materialusagelog="no-such-mul",
                  msdyn_recordstage=2, modifiedon="2026-02-05T09:00:00Z")
    decisions.write(tmp_path / "delivery")
    w.build(tmp_path / "delivery", **settings)
    assert w.query("select work_order_line_id, approval_status from marts.fct_material_usage_logs order by 1") == [
        ("other", "rejected"), ("wop-1", "approved")]
    assert w.query("""select work_order_line_id, transaction_type, amount, created_at::varchar
                      from marts.fct_project_actuals order by 2""") == [
        ("wop-1", "cost", D("51.50"), "2026-02-05 09:00:00"), ("wop-1", "unbilled_sales", D("94.50"), "2026-02-05 09:00:00")]
    assert w.query("select record_id, reason_code from marts.rpt_rejected_rows "
                   "where table_name = 'msdyn_projectapproval'") == [("ap-x", "unknown_reference")]
    assert w.query("select count(*) from marts.rpt_approval_backlog") == [(0,)]
