"""Billing (R18 after billing, R19–R22, I5): invoice runs, proforma invoices, confirmation, milestones, credits,
late data — on small deliveries, through real dbt builds (which run I1–I5 each time)."""

from decimal import Decimal as D

import pytest
from conftest import Warehouse
from delivery_builder import FIXED_PRICE, Delivery


@pytest.fixture(scope="module")
def billing(tmp_path_factory) -> Warehouse:
    root = tmp_path_factory.mktemp("billing")
    d = Delivery.example_a(nte="100.00")  # example A's contract, monthly, on proj-1
    d.product_line("wop-1", "2026-01-20T10:00:00Z", msdyn_estimatequantity="5")
    d.used("wop-1", "2026-02-03T10:00:00Z", "wo-1", "4", "3", msdyn_estimatequantity="5", msdyn_discountpercent="25",
           msdyn_additionalcost="2.50", msdyn_commissioncosts="1.00")
    d.used("over", "2026-02-05T10:00:00Z", "wo-1", "1")  # 90 + 40 > 100: NTE failed, never invoiced
    # §7.1 (adapted to materials): 8 units at 200.00, cost 100.00
    d.project("bob", work_order_at="2026-01-05T09:00:00Z")
    d.add("product", productid="arm", productnumber="ARM", name="Arm", msdyn_fieldserviceproducttype=690970001,
          defaultuomid="uom-each", price="200.00", standardcost="100", currentcost="100.00")
    d.used("bob-line", "2026-01-12T10:00:00Z", "wo-bob", "8", product="arm")
    # §7.14 Adatum, one contract: prototype (fixed price, milestones), implementation (T&M biweekly from
    # Monday 2026-10-05), expenses (T&M monthly: R20 runs monthly lines on the 1st, not on the first Monday)
    d.add("salesorder", salesorderid="so-adatum", ordernumber="ADATUM", name="Adatum", customerid="acc-1",
          transactioncurrencyid="USD", pricelevelid="pl-sales", msdyn_contractorganizationalunitid="ou-1",
          msdyn_company="USMF", msdyn_psastate=192350001)
    d.project("prototype", contract="so-adatum", billing_method=FIXED_PRICE, start="2026-09-01",
              contracted="17000.00", work_order_at="2026-09-20T09:00:00Z")
    d.project("implementation", contract="so-adatum", frequency="biweekly", start="2026-10-05",
              work_order_at="2026-09-20T09:00:00Z")
    d.project("expenses", contract="so-adatum", frequency="monthly", start="2026-09-01",
              work_order_at="2026-09-20T09:00:00Z")
    d.milestone("m-prototype-1", "cl-prototype", "2026-10-05", "5000.00", "2026-10-01T12:00:00Z")
    d.milestone("m-prototype-2", "cl-prototype", "2026-11-03", "12000.00", "2026-09-25T12:00:00Z", ready=False)
    d.milestone("m-prototype-2", "cl-prototype", "2026-11-03", "12000.00", "2026-11-02T12:00:00Z")
    d.used("impl-1", "2026-10-02T10:00:00Z", "wo-implementation", "1")
    d.used("impl-2", "2026-10-12T10:00:00Z", "wo-implementation", "2")
    d.used("exp-1", "2026-09-28T10:00:00Z", "wo-expenses", "3")
    d.used("exp-2", "2026-10-20T10:00:00Z", "wo-expenses", "4")
    w = Warehouse(root)
    w.build(d.write(root / "delivery"), as_of_date="2026-11-20", all_tests=True)
    return w


def invoices(w: Warehouse, contract: str) -> list[tuple]:
    return w.query("""select run_date::varchar, cutoff_date::varchar, status, total_amount, line_count
                      from marts.fct_proforma_invoices where contract_id = ? order by run_date""", [contract])


def test_r20_adatum_runs_and_cut_offs(billing):
    assert billing.query("""select run_date::varchar, cutoff_date::varchar from intermediate.int_invoice_run_calendar
                            where contract_line_id = 'cl-implementation' and is_due order by 1""") == [
        ("2026-10-05", "2026-10-04"), ("2026-10-19", "2026-10-18"), ("2026-11-02", "2026-11-01"),
        ("2026-11-16", "2026-11-15")]
    assert billing.query("""select run_date::varchar from intermediate.int_invoice_run_calendar
                            where contract_line_id = 'cl-expenses' and is_due order by 1""") == [
        ("2026-09-01",), ("2026-10-01",), ("2026-11-01",)]
    assert billing.query("""select run_date::varchar from intermediate.int_invoice_run_calendar
                            where contract_line_id = 'cl-prototype' and is_due order by 1""") == [
        ("2026-09-01",), ("2026-10-01",), ("2026-10-05",), ("2026-11-01",), ("2026-11-03",)]


def test_r21_adatum_invoices_one_per_contract_and_run_date(billing):
    """Oct 5: the ready 5,000 milestone and the implementation usage before the Oct 4 cut-off, one invoice with two
    lines; Oct 19: usage before Oct 18; Nov 2: nothing new, no invoice; Nov 3: the 12,000 milestone (ready on
    Nov 2). Expenses, monthly on the 1st: Oct 1 (Sep 28 usage) and Nov 1 (Oct 20 usage)."""
    assert invoices(billing, "so-adatum") == [
        ("2026-10-01", "2026-09-30", "confirmed", D("120.00"), 1),
        ("2026-10-05", "2026-10-04", "confirmed", D("5040.00"), 2),
        ("2026-10-19", "2026-10-18", "confirmed", D("80.00"), 1),
        ("2026-11-01", "2026-10-31", "confirmed", D("160.00"), 1),
        ("2026-11-03", "2026-11-02", "confirmed", D("12000.00"), 1)]
    assert billing.query("""select item_kind, transaction_class, coalesce(milestone_id, work_order_line_id), amount
                            from marts.fct_invoice_line_details where contract_id = 'so-adatum'
                            and run_date = '2026-10-05' order by 1""") == [
        ("actual", "material", "impl-1", D("40.00")), ("milestone", "milestone", "m-prototype-1", D("5000.00"))]
    assert billing.query("""select invoice_number from marts.fct_proforma_invoices
                            where contract_id = 'so-adatum' order by run_date limit 1""") == [("ADATUM-20261001",)]


def test_r22_milestones_become_billed_sales_of_class_milestone(billing):
    assert billing.query("""select transaction_type, amount, transaction_date::varchar, billing_status
                            from marts.fct_project_actuals where transaction_class = 'milestone' order by 3""") == [
        ("billed_sales", D("5000.00"), "2026-10-05", "customer_invoice_posted"),
        ("billed_sales", D("12000.00"), "2026-11-03", "customer_invoice_posted")]


def test_r22_example_7_1_confirmation_reverses_unbilled_and_creates_billed_sales(billing):
    """§7.1 'Invoice confirmed, no qty change': cost unchanged; unbilled 1,600 Customer Invoice Posted; new
    unbilled (1,600) (not synced) and billed sales 1,600, dated on the run date."""
    assert billing.query("""select transaction_type, amount, billing_status, is_skip_sync, accounting_date::varchar
                            from marts.fct_project_actuals where project_id = 'proj-bob'
                            order by created_at, transaction_type, amount desc""") == [
        ("cost", D("800.00"), None, False, "2026-01-12"),
        ("unbilled_sales", D("1600.00"), "customer_invoice_posted", False, "2026-01-12"),
        ("billed_sales", D("1600.00"), "customer_invoice_posted", False, "2026-02-01"),
        ("unbilled_sales", D("-1600.00"), "customer_invoice_posted", True, "2026-02-01")]


def test_r20_r22_example_a_invoice_of_march(billing):
    assert invoices(billing, "so-1")[0] == ("2026-03-01", "2026-02-28", "confirmed", D("90.00"), 1)


def test_r19_nte_failed_items_are_never_invoiced_and_wait_in_the_backlog(billing):
    assert billing.query("select count(*) from marts.fct_invoice_line_details where work_order_line_id = 'over'") == [(0,)]
    assert billing.query("""select backlog_reason, amount, age_days from marts.rpt_unbilled_backlog
                            where work_order_line_id = 'over'""") == [("nte_failed", D("40.00"), 288)]


def test_i5_billed_and_unbilled_reconcile(billing):
    result = billing.dbt("test", "--select", "assert_i5_billed_and_unbilled_reconcile")
    assert result.statuses["assert_i5_billed_and_unbilled_reconcile"] == "pass"


# ----------------------------------------------------------------------------- corrections and late data

def test_r18_r21_a_change_after_billing_is_credited_on_the_next_invoice_and_late_data_goes_to_the_next_run(tmp_path):
    d = Delivery.example_a()
    d.used("wop-1", "2026-02-03T10:00:00Z", "wo-1", "4", "3", msdyn_discountpercent="25")  # 90.00
    d.used("up", "2026-02-04T10:00:00Z", "wo-1", "1")  # 40.00
    w = Warehouse(tmp_path)
    w.build(d.write(tmp_path / "delivery"), as_of_date="2026-03-05")
    march = w.query("select * from marts.fct_invoice_line_details order by all")
    assert invoices(w, "so-1") == [("2026-03-01", "2026-02-28", "confirmed", D("130.00"), 1)]

    later = Delivery()
    later._version = 100
    later.used("wop-1", "2026-03-10T10:00:00Z", "wo-1", "4", "2", msdyn_discountpercent="25")  # now 60.00
    later.used("up", "2026-03-11T10:00:00Z", "wo-1", "2")  # now 80.00
    # a version modified in February but delivered after the March run was published
    later.used("late", "2026-02-20T10:00:00Z", "wo-1", "1", file="2026-03-12")
    later.write(tmp_path / "delivery")
    w.build(tmp_path / "delivery", as_of_date="2026-04-05")
    assert w.query("""select * from marts.fct_invoice_line_details where run_date = '2026-03-01'
                      order by all""") == march, "the published March invoice changed"
    assert w.query("""select coalesce(credited_actual_id is not null, false), amount from marts.fct_invoice_line_details
                      where run_date = '2026-04-01' order by 2""") == [
        (True, D("-90.00")), (True, D("-40.00")), (False, D("40.00")), (False, D("60.00")), (False, D("80.00"))]
    assert invoices(w, "so-1")[1] == ("2026-04-01", "2026-03-31", "confirmed", D("50.00"), 1)
    # billed sales net to what the lines are worth now: 60 + 80 + 40
    assert w.query("select sum(amount) from marts.fct_project_actuals where transaction_type = 'billed_sales'") == [
        (D("180.00"),)]


def test_r22_without_auto_confirm_a_draft_keeps_its_items_until_confirmed(tmp_path):
    d = Delivery.example_a()
    d.used("wop-1", "2026-02-03T10:00:00Z", "wo-1", "4", "3", msdyn_discountpercent="25")
    w = Warehouse(tmp_path)
    w.build(d.write(tmp_path / "delivery"), as_of_date="2026-03-05", auto_confirm_invoices=False)
    ((invoice_id, status),) = w.query("select invoice_id, status from marts.fct_proforma_invoices")
    assert status == "draft"
    assert w.query("select billing_status from marts.fct_project_actuals where transaction_type = 'unbilled_sales'"
                   ) == [("customer_invoice_created",)]
    assert w.query("select backlog_reason, amount from marts.rpt_unbilled_backlog") == [("pending_draft", D("90.00"))]
    assert w.query("select count(*) from marts.fct_project_actuals where transaction_type = 'billed_sales'") == [(0,)]

    confirm = Delivery()
    confirm.add("invoice", invoiceid=invoice_id, msdyn_projectinvoicestatus=192350002, modifiedon="2026-03-03T15:00:00Z")
    confirm.add("invoice", invoiceid="never-published", msdyn_projectinvoicestatus=192350002,
                modifiedon="2026-03-03T15:00:00Z")
    confirm.write(tmp_path / "delivery")
    w.build(tmp_path / "delivery", as_of_date="2026-04-05", auto_confirm_invoices=False)
    assert w.query("select status, confirmed_at::varchar from marts.fct_proforma_invoices") == [
        ("confirmed", "2026-03-03 15:00:00")]
    assert w.query("""select transaction_type, amount, accounting_date::varchar, created_at::varchar
                      from marts.fct_project_actuals where invoice_id is not null and reversal_reason is distinct from
                      'line_change' and transaction_type = 'billed_sales'""") == [
        ("billed_sales", D("90.00"), "2026-03-01", "2026-03-03 15:00:00")]
    assert w.query("select record_id, reason_code, stage from marts.rpt_rejected_rows") == [
        ("never-published", "unknown_reference", "billing")]
