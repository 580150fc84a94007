"""Reports in the legal entity's accounting currency (SPEC §3, issue 12): profitability per work order line, work
order, project and customer, with hand-computed figures, on one small delivery built once. A GBP customer of the
USD legal entity USMF: costs in USD, sales in GBP at three GBP→USD rates (1.25 from 2026-01-01, 1.30 from
2026-02-15, 1.20 from 2026-03-15); a T&M project (one line billed, one still unbilled) and a fixed-price project
whose contract line is shared by two work orders (allocation to the cent, the remainder to the largest share)."""

from decimal import Decimal as D

import pytest
from conftest import Warehouse
from delivery_builder import FIXED_PRICE, Delivery

AS_OF = "2026-03-31"


def gbp_contract(d: Delivery, name: str, *, billing_method: int, contracted: str = "") -> None:
    """A GBP contract (so-<name>), project (proj-<name>) and material contract line (cl-<name>) of customer coho."""
    d.add("salesorder", salesorderid=f"so-{name}", ordernumber=name.upper(), name=name, customerid="coho",
          transactioncurrencyid="GBP", pricelevelid="pl-gbp", msdyn_contractorganizationalunitid="ou-1",
          msdyn_company="USMF", msdyn_psastate=192350001)
    d.add("msdyn_project", msdyn_projectid=f"proj-{name}", msdyn_subject=name, msdyn_customer="coho",
          msdyn_contractorganizationalunitid="ou-1", msdyn_salesorderid=f"so-{name}", transactioncurrencyid="GBP")
    d.add("salesorderdetail", salesorderdetailid=f"cl-{name}", salesorderid=f"so-{name}", msdyn_project=f"proj-{name}",
          msdyn_billingmethod=billing_method, msdyn_includematerial="true", msdyn_includetime="false",
          msdyn_invoicefrequency="monthly", msdyn_billingstartdate="2026-01-01", extendedamount=contracted)


def gbp_work_order(d: Delivery, wo: str, project: str, at: str) -> None:
    d.work_order(wo, at, project=project, account="coho")
    d.files["msdyn_workorder"][at[:10]][-1].update(msdyn_pricelist="pl-gbp", transactioncurrencyid="GBP")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Warehouse:
    root = tmp_path_factory.mktemp("reports")
    d = Delivery.example_a()  # USMF, accounting currency USD; product X costs 15.00 USD
    d.add("account", accountid="coho", name="Coho Winery", accountnumber="C002", msdyn_company="USMF",
          transactioncurrencyid="GBP", msdyn_salestaxgroup="TG0")
    d.add("taxgroup", taxgroupid="TG0", rate_percent="0")
    d.add("pricelevel", pricelevelid="pl-gbp", name="GBP sales", begindate="2026-01-01", enddate="",
          transactioncurrencyid="GBP", msdyn_module=192350002, createdon="2025-12-01T00:00:00Z")
    d.add("product", productid="hour", productnumber="JF", name="Consulting", msdyn_fieldserviceproducttype=690970001,
          defaultuomid="uom-each", price="250", standardcost="120", currentcost="120.00")
    d.add("productpricelevel", productpricelevelid="ppl-gbp-hour", pricelevelid="pl-gbp", productid="hour",
          uomid="uom-each", amount="250.00", pricingmethodcode=1)
    d.add("productpricelevel", productpricelevelid="ppl-gbp-x", pricelevelid="pl-gbp", productid="prod-x",
          uomid="uom-each", amount="50.00", pricingmethodcode=1)
    for valid_from, rate in (("2026-01-01", "1.25"), ("2026-02-15", "1.30"), ("2026-03-15", "1.20")):
        d.add("exchangerate", fromcurrency="GBP", tocurrency="USD", validfrom=valid_from, rate=rate)

    # T&M in GBP: 'billed' used 2026-02-10 (4 h × 250 = 1,000.00 GBP at 1.25; cost 4 × 120 = 480.00 USD), on the
    # 2026-03-01 invoice (billed at 1.30 = 1,300.00 USD); 'open' used 2026-03-20 (2 h = 500.00 GBP at 1.20 =
    # 600.00 USD, cost 240.00 USD), not invoiced by 2026-03-31. Estimate of 'billed': 5 h, priced 2026-01-20
    # (1.25): cost 600.00 USD, sales 1,250.00 GBP = 1,562.50 USD.
    gbp_contract(d, "tm", billing_method=192350000)
    gbp_work_order(d, "wo-tm", "proj-tm", "2026-01-20T09:00:00Z")
    d.used("billed", "2026-02-10T10:00:00Z", "wo-tm", "4", product="hour", msdyn_pricelist="pl-gbp",
           msdyn_estimatequantity="5")
    d.used("open", "2026-03-20T10:00:00Z", "wo-tm", "2", product="hour", msdyn_pricelist="pl-gbp")

    # Fixed price in GBP, 1,000.00 contracted; estimates 3 lines × 10 × 15.00 = 450.00 USD (sales 3 × 500.00 GBP,
    # priced 2026-01-05 at 1.25 = 625.00 USD each). January costs 15.00 (fa1) + 15.00 (fb1) + 15.00 (fb2) = 45.00:
    # 10 % complete, revenue 100.00 GBP, recognized 2026-01-31 at 1.25 = 125.00 USD.
    gbp_contract(d, "fp", billing_method=FIXED_PRICE, contracted="1000.00")
    for wo in ("wo-fa", "wo-fb"):
        gbp_work_order(d, wo, "proj-fp", "2026-01-05T09:00:00Z")
    for line, wo, day in (("fa1", "wo-fa", "10"), ("fb1", "wo-fb", "12"), ("fb2", "wo-fb", "14")):
        d.used(line, f"2026-01-{day}T10:00:00Z", wo, "1", msdyn_pricelist="pl-gbp", msdyn_estimatequantity="10")

    # a EUR contract of USMF without any EUR rate: its sales wait for a rate (R24)
    d.add("pricelevel", pricelevelid="pl-eur", name="EUR sales", begindate="2026-01-01", enddate="",
          transactioncurrencyid="EUR", msdyn_module=192350002, createdon="2025-12-01T00:00:00Z")
    d.add("productpricelevel", productpricelevelid="ppl-eur-x", pricelevelid="pl-eur", productid="prod-x",
          uomid="uom-each", amount="30.00", pricingmethodcode=1)
    d.add("salesorder", salesorderid="so-eur", ordernumber="EUR", name="Euro", customerid="acc-1",
          transactioncurrencyid="EUR", pricelevelid="pl-eur", msdyn_contractorganizationalunitid="ou-1",
          msdyn_company="USMF", msdyn_psastate=192350001)
    d.add("msdyn_project", msdyn_projectid="proj-eur", msdyn_subject="Euro", msdyn_customer="acc-1",
          msdyn_contractorganizationalunitid="ou-1", msdyn_salesorderid="so-eur", transactioncurrencyid="EUR")
    d.add("salesorderdetail", salesorderdetailid="cl-eur", salesorderid="so-eur", msdyn_project="proj-eur",
          msdyn_billingmethod=192350000, msdyn_includematerial="true", msdyn_includetime="false",
          msdyn_invoicefrequency="monthly", msdyn_billingstartdate="2026-01-01")
    d.work_order("wo-eur", "2026-02-01T09:00:00Z", project="proj-eur")
    d.used("eur-line", "2026-03-02T10:00:00Z", "wo-eur", "2", msdyn_pricelist="pl-eur")

    w = Warehouse(root)
    w.build(d.write(root / "delivery"), as_of_date=AS_OF, all_tests=True)
    return w


WO_COLUMNS = """legal_entity, accounting_currency_code, billing_method, estimated_cost, estimated_sales,
    estimated_margin, actual_cost, actual_sales, actual_margin, actual_margin_percent, cost_currency_code,
    estimated_cost_transaction, actual_cost_transaction, sales_currency_code, estimated_sales_transaction,
    actual_sales_transaction, amounts_without_exchange_rate"""


def one(w: Warehouse, sql: str, params=None) -> dict:
    (row,) = w.dicts(sql, params)
    return row


def test_mixed_currency_work_order_in_accounting_currency(reports):
    """Cost 480.00 + 240.00 = 720.00 USD; sales 1,300.00 USD billed (1,000.00 GBP on the 2026-03-01 invoice at 1.30)
    + 600.00 USD unbilled (500.00 GBP used 2026-03-20 at 1.20) = 1,900.00 USD; margin 1,180.00 = 62.11 %."""
    assert one(reports, f"select {WO_COLUMNS} from marts.rpt_work_order_profitability "
                        "where work_order_id = 'wo-tm'") == {
        "legal_entity": "USMF", "accounting_currency_code": "USD", "billing_method": "time_and_material",
        "estimated_cost": D("600.00"), "estimated_sales": D("1562.50"), "estimated_margin": D("962.50"),
        "actual_cost": D("720.00"), "actual_sales": D("1900.00"), "actual_margin": D("1180.00"),
        "actual_margin_percent": D("62.11"),
        "cost_currency_code": "USD", "estimated_cost_transaction": D("600.00"), "actual_cost_transaction": D("720.00"),
        "sales_currency_code": "GBP", "estimated_sales_transaction": D("1250.00"),
        "actual_sales_transaction": D("1500.00"), "amounts_without_exchange_rate": 0}


def test_mixed_currency_lines_convert_each_actual_on_its_date(reports):
    assert reports.query("""select work_order_line_id, actual_cost, actual_sales, actual_sales_transaction,
                                   estimated_sales, sales_variance, sales_variance_transaction
                            from marts.rpt_estimate_vs_actual where work_order_id = 'wo-tm' order by 1""") == [
        ("billed", D("480.00"), D("1300.00"), D("1000.00"), D("1562.50"), D("-262.50"), D("-250.00")),
        ("open", D("240.00"), D("600.00"), D("500.00"), D("0.00"), D("600.00"), D("500.00"))]
    # the billed part is what Finance posted as invoiced revenue (the invoice at the rate of its date)
    assert reports.query("""select sum(credit_amount - debit_amount) from marts.fct_gl_entries
                            where contract_line_id = 'cl-tm' and posting_type = 'invoiced_revenue'""") == [
        (D("1300.00"),)]


def test_fixed_price_revenue_allocated_to_work_orders_to_the_cent(reports):
    """100.00 GBP / 125.00 USD by cost shares 15 : 30 — GBP 33.333… → 33.33 and 66.666… → 66.66, the cent
    left to the largest share (wo-fb): 66.67; USD 41.666… → 41.66 and 83.333… → 83.33 + 0.01 = 83.34."""
    assert reports.query("""select work_order_id, estimated_cost, estimated_sales, actual_cost, actual_sales,
                                   actual_margin, actual_margin_percent, actual_sales_transaction, sales_currency_code
                            from marts.rpt_work_order_profitability where project_id = 'proj-fp' order by 1""") == [
        ("wo-fa", D("150.00"), D("625.00"), D("15.00"), D("41.66"), D("26.66"), D("63.99"), D("33.33"), "GBP"),
        ("wo-fb", D("300.00"), D("1250.00"), D("30.00"), D("83.34"), D("53.34"), D("64.00"), D("66.67"), "GBP")]
    # wo-fb's part to its two equal lines: 66.67 GBP → 33.33 each + the cent to the first line id (fb1); 83.34 USD
    # → 41.67 each
    assert reports.query("""select work_order_line_id, actual_sales, actual_sales_transaction
                            from marts.rpt_estimate_vs_actual where project_id = 'proj-fp' order by 1""") == [
        ("fa1", D("41.66"), D("33.33")), ("fb1", D("41.67"), D("33.34")), ("fb2", D("41.67"), D("33.33"))]
    # the work orders add up to what the contract line recognized and the GL posted (R27, R25)
    assert reports.query("""select sum(cumulative_revenue) from marts.fct_revenue_recognition
                            where contract_line_id = 'cl-fp' and period = '2026-03'""") == [(D("100.00"),)]
    assert reports.query("""select sum(credit_amount - debit_amount) from marts.fct_gl_entries
                            where contract_line_id = 'cl-fp' and posting_type = 'accrued_revenue'""") == [
        (D("125.00"),)]


def test_project_and_customer_roll_up_in_one_currency(reports):
    assert reports.query("""select project_id, legal_entity, work_orders, actual_cost, actual_sales, actual_margin,
                                   actual_margin_percent, actual_sales_transaction
                            from marts.rpt_project_profitability where customer_id = 'coho' order by 1""") == [
        ("proj-fp", "USMF", 2, D("45.00"), D("125.00"), D("80.00"), D("64.00"), D("100.00")),
        ("proj-tm", "USMF", 1, D("720.00"), D("1900.00"), D("1180.00"), D("62.11"), D("1500.00"))]
    # coho: estimates 600.00 + 450.00 USD cost, 1,562.50 + 3 × 625.00 USD sales; margin 1,260.00 / 2,025.00
    assert one(reports, "select * from marts.rpt_customer_profitability where customer_id = 'coho'") == {
        "customer_id": "coho", "account_number": "C002", "customer_name": "Coho Winery", "legal_entity": "USMF",
        "accounting_currency_code": "USD", "projects": 2, "work_orders": 3,
        "estimated_cost": D("1050.00"), "estimated_sales": D("3437.50"), "estimated_margin": D("2387.50"),
        "actual_cost": D("765.00"), "actual_sales": D("2025.00"), "actual_margin": D("1260.00"),
        "actual_margin_percent": D("62.22"),
        "cost_currency_code": "USD", "estimated_cost_transaction": D("1050.00"), "actual_cost_transaction": D("765.00"),
        "sales_currency_code": "GBP", "estimated_sales_transaction": D("2750.00"),
        "actual_sales_transaction": D("1600.00"), "amounts_without_exchange_rate": 0}


def test_an_amount_without_a_rate_leaves_the_accounting_figure_empty_not_partial(reports):
    """The EUR line (2 × 30.00 EUR, no EUR rate): its cost (2 × 15.00 USD) converts, its sales do not."""
    assert one(reports, """select actual_cost, actual_sales, actual_margin, actual_margin_percent, sales_currency_code,
                                  actual_sales_transaction, amounts_without_exchange_rate
                           from marts.rpt_work_order_profitability where work_order_id = 'wo-eur'""") == {
        "actual_cost": D("30.00"), "actual_sales": None, "actual_margin": None, "actual_margin_percent": None,
        "sales_currency_code": "EUR", "actual_sales_transaction": D("60.00"), "amounts_without_exchange_rate": 1}
    assert reports.query("""select actual_cost, actual_sales, amounts_without_exchange_rate
                            from marts.rpt_customer_profitability where customer_id = 'acc-1'""") == [
        (D("30.00"), None, 1)]


def test_exchange_rates_and_main_accounts_are_published(reports):
    assert reports.query("""select from_currency_code, to_currency_code, valid_from::varchar, valid_to::varchar,
                                   exchange_rate from marts.dim_exchange_rates order by valid_from""") == [
        ("GBP", "USD", "2026-01-01", "2026-02-14", D("1.25")), ("GBP", "USD", "2026-02-15", "2026-03-14", D("1.30")),
        ("GBP", "USD", "2026-03-15", None, D("1.20"))]
    accounts = reports.query("""select legal_entity, main_account, account_name, posting_type
                                from marts.dim_main_accounts order by main_account""")
    assert len(accounts) == 8 and ("USMF", "411100", "Revenue - invoiced", "invoiced_revenue") in accounts
    # every GL leg finds its account's name
    assert reports.query("""select count(*) from marts.fct_gl_entries as gl
                            left join marts.dim_main_accounts as accounts using (legal_entity, posting_type)
                            where accounts.account_name is null or accounts.main_account <> gl.main_account""") == [
        (0,)]
