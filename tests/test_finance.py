"""Finance (R23–R27, I6, I7) and the Finance exports, on small deliveries through real dbt builds (which run the
invariant tests on every build). SPEC §5 example A, domain-research §7.8 (fixed exchange rate posting), §5.3 and
§7.16 (accrual postings)."""

from decimal import Decimal as D

import pytest
from conftest import Warehouse
from delivery_builder import FIXED_PRICE, Delivery

from orchestration.exports import export_batch, exported_batches


def gl(w: Warehouse, where: str) -> list[tuple]:
    return w.query(f"""select accounting_date::varchar, main_account, posting_type, debit_amount, credit_amount
                       from marts.fct_gl_entries where {where}
                       order by accounting_date, source_type, debit_amount desc, credit_amount desc, main_account""")


def add_eur_contract(d: Delivery) -> None:
    """A EUR contract (so-eur, proj-eur, cl-eur, wo-eur) of the USD legal entity, with a EUR price list."""
    d.add("account", accountid="eur-customer", name="Euro", accountnumber="C003", msdyn_company="USMF",
          transactioncurrencyid="EUR", msdyn_salestaxgroup="TG20")
    d.add("pricelevel", pricelevelid="pl-eur", name="EUR sales", begindate="2026-01-01", enddate="",
          transactioncurrencyid="EUR", msdyn_module=192350002, createdon="2025-12-01T00:00:00Z")
    d.add("salesorder", salesorderid="so-eur", ordernumber="EUR", name="Euro", customerid="eur-customer",
          transactioncurrencyid="EUR", pricelevelid="pl-eur", msdyn_contractorganizationalunitid="ou-1",
          msdyn_company="USMF", msdyn_psastate=192350001)
    d.add("msdyn_project", msdyn_projectid="proj-eur", msdyn_subject="Euro", msdyn_customer="eur-customer",
          msdyn_contractorganizationalunitid="ou-1", msdyn_salesorderid="so-eur", transactioncurrencyid="EUR")
    d.add("salesorderdetail", salesorderdetailid="cl-eur", salesorderid="so-eur", msdyn_project="proj-eur",
          msdyn_billingmethod=192350000, msdyn_includematerial="true", msdyn_includetime="false",
          msdyn_invoicefrequency="monthly", msdyn_billingstartdate="2026-01-01")


@pytest.fixture(scope="module")
def finance(tmp_path_factory) -> Warehouse:
    root = tmp_path_factory.mktemp("finance")
    d = Delivery.example_a()  # USMF / USD, tax group 20 %, T&M without accrual by default
    d.used("wop-1", "2026-02-03T10:00:00Z", "wo-1", "4", "3", msdyn_discountpercent="25", msdyn_additionalcost="2.50",
           msdyn_commissioncosts="1.00")
    # §7.8: a GBP contract of the USD legal entity, rate 1.25, profile "T&M, accrue revenue" given in the delivery
    d.add("account", accountid="coho", name="Coho Winery", accountnumber="C002", msdyn_company="USMF",
          transactioncurrencyid="GBP", msdyn_salestaxgroup="TG0")
    d.add("taxgroup", taxgroupid="TG0", rate_percent="0")
    d.add("pricelevel", pricelevelid="pl-gbp", name="GBP sales", begindate="2026-01-01", enddate="",
          transactioncurrencyid="GBP", msdyn_module=192350002, createdon="2025-12-01T00:00:00Z")
    d.add("product", productid="hour", productnumber="JF", name="Consulting", msdyn_fieldserviceproducttype=690970001,
          defaultuomid="uom-each", price="250", standardcost="120", currentcost="120.00")
    d.add("productpricelevel", productpricelevelid="ppl-gbp", pricelevelid="pl-gbp", productid="hour",
          uomid="uom-each", amount="250.00", pricingmethodcode=1)
    d.add("salesorder", salesorderid="so-coho", ordernumber="COHO", name="Coho", customerid="coho",
          transactioncurrencyid="GBP", pricelevelid="pl-gbp", msdyn_contractorganizationalunitid="ou-1",
          msdyn_company="USMF", msdyn_psastate=192350001)
    d.add("msdyn_project", msdyn_projectid="proj-coho", msdyn_subject="Coho", msdyn_customer="coho",
          msdyn_contractorganizationalunitid="ou-1", msdyn_salesorderid="so-coho", transactioncurrencyid="GBP")
    d.add("salesorderdetail", salesorderdetailid="cl-coho", salesorderid="so-coho", msdyn_project="proj-coho",
          msdyn_billingmethod=192350000, msdyn_includematerial="true", msdyn_includetime="false",
          msdyn_invoicefrequency="monthly", msdyn_billingstartdate="2026-08-01")
    d.add("exchangerate", fromcurrency="GBP", tocurrency="USD", validfrom="2026-01-01", rate="1.25")
    d.add("posting_profiles", profile_id="coho_accrual", scope="contract", scope_value="so-coho",
          billing_method="time_and_material", accrue_revenue="true", description="T&M, accrue revenue")
    d.add("posting_profiles", profile_id="tm", scope="default", billing_method="time_and_material",
          accrue_revenue="false", description="T&M without accrual")
    d.add("posting_profiles", profile_id="fp", scope="default", billing_method="fixed_price",
          accrue_revenue="false", description="Fixed price, completed percentage")
    d.work_order("wo-coho", "2026-08-20T09:00:00Z", project="proj-coho", account="coho")
    d.files["msdyn_workorder"]["2026-08-20"][-1]["msdyn_pricelist"] = "pl-gbp"
    d.files["msdyn_workorder"]["2026-08-20"][-1]["transactioncurrencyid"] = "GBP"
    d.used("julia", "2026-08-27T16:00:00Z", "wo-coho", "4", product="hour", msdyn_pricelist="pl-gbp")
    # §5.3 / §7.16: T&M with accrual, 100.00 billed with 20 % tax (a second contract of the USD customer)
    d.project("accrue", work_order_at="2026-05-02T09:00:00Z")
    d.add("posting_profiles", profile_id="accrue", scope="contract", scope_value="so-accrue",
          billing_method="time_and_material", accrue_revenue="true", description="T&M, accrue revenue")
    d.add("productpricelevel", productpricelevelid="ppl-hundred", pricelevelid="pl-sales", productid="hundred",
          uomid="uom-each", amount="100.00", pricingmethodcode=1)
    d.add("product", productid="hundred", productnumber="H", name="Hundred", msdyn_fieldserviceproducttype=690970001,
          defaultuomid="uom-each", price="100", standardcost="50", currentcost="50.00")
    d.used("accrued", "2026-05-05T10:00:00Z", "wo-accrue", "1", product="hundred")
    # R27: a fixed-price line of 1,000.00; estimated cost 10 × 15.00 = 150.00; costs 45.00 in May, 75.00 in June
    d.project("fixed", billing_method=FIXED_PRICE, work_order_at="2026-05-01T09:00:00Z")
    d.product_line("fixed-est", "2026-05-01T10:00:00Z", wo="wo-fixed", msdyn_estimatequantity="10")
    d.used("fixed-est", "2026-05-20T10:00:00Z", "wo-fixed", "3", msdyn_estimatequantity="10")
    d.used("fixed-more", "2026-06-10T10:00:00Z", "wo-fixed", "5")
    d.milestone("fixed-m1", "cl-fixed", "2026-06-15", "400.00", "2026-06-01T10:00:00Z")
    # R24: a EUR contract of the USD legal entity without any EUR rate; R23: a service account of another company
    add_eur_contract(d)
    d.work_order("wo-eur", "2026-04-01T09:00:00Z", project="proj-eur", account="eur-customer")
    d.used("no-rate", "2026-04-02T10:00:00Z", "wo-eur", "1", msdyn_pricelist="pl-eur")
    d.add("cdm_company", cdm_companycode="GBSI", name="Contoso UK", accountingcurrency="GBP")
    d.add("account", accountid="uk-site", name="UK site", accountnumber="C004", msdyn_company="GBSI",
          transactioncurrencyid="USD")
    d.work_order("wo-mismatch", "2026-04-01T09:00:00Z", account="uk-site")
    d.files["msdyn_workorder"]["2026-04-01"][-1]["msdyn_billingaccount"] = "acc-1"
    d.used("mismatch", "2026-04-02T10:00:00Z", "wo-mismatch", "1")
    w = Warehouse(root)
    w.build(d.write(root / "delivery"), as_of_date="2026-09-30", all_tests=True)
    return w


def test_r25_r26_example_a_gl_and_customer_invoice(finance):
    """SPEC §5 A: February Dr project_cost 63.50 / Cr cost_item 63.50; March Dr customer_balance 108.00 /
    Cr invoiced_revenue 90.00 / Cr sales_tax_payable 18.00 (T&M without accrual: unbilled sales post nothing)."""
    assert gl(finance, "project_id = 'proj-1' or contract_line_id = 'cl-1'") == [
        ("2026-02-03", "540100", "project_cost", D("63.50"), D("0")),
        ("2026-02-03", "600300", "cost_item", D("0"), D("63.50")),
        ("2026-03-01", "130100", "customer_balance", D("108.00"), D("0")),
        ("2026-03-01", "411100", "invoiced_revenue", D("0"), D("90.00")),
        ("2026-03-01", "222200", "sales_tax_payable", D("0"), D("18.00"))]
    assert finance.query("""select invoice_number, invoice_date::varchar, net_amount, tax_amount, total_amount
                            from marts.fct_customer_invoices where contract_id = 'so-1'""") == [
        ("ORD-1-20260301", "2026-03-01", D("90.00"), D("18.00"), D("108.00"))]


def test_r24_r25_fixed_exchange_rate_posting_of_example_7_8(finance):
    """§7.8 (Julia Funderburk, 4 × 250 GBP at 1.25 in a USD legal entity, cost 480 USD, accruing profile):
    integration journal 540100 480 / 600300 −480, 161300 1,250 / 420200 −1,250; invoice 130100 1,250 /
    411100 −1,250 and the accrual reversed, 420200 1,250 / 161300 −1,250."""
    assert finance.query("""select transaction_type, amount, currency_code, exchange_rate, amount_accounting
                            from marts.fct_integration_journal_lines where project_id = 'proj-coho' order by 1""") == [
        ("cost", D("480.00"), "USD", D("1"), D("480.00")), ("unbilled_sales", D("1000.00"), "GBP", D("1.25"), D("1250.00"))]
    assert gl(finance, "project_id = 'proj-coho' or contract_line_id = 'cl-coho'") == [
        ("2026-08-27", "161300", "wip_sales_value", D("1250.00"), D("0")),
        ("2026-08-27", "540100", "project_cost", D("480.00"), D("0")),
        ("2026-08-27", "420200", "accrued_revenue", D("0"), D("1250.00")),
        ("2026-08-27", "600300", "cost_item", D("0"), D("480.00")),
        ("2026-09-01", "130100", "customer_balance", D("1250.00"), D("0")),
        ("2026-09-01", "420200", "accrued_revenue", D("1250.00"), D("0")),
        ("2026-09-01", "161300", "wip_sales_value", D("0"), D("1250.00")),
        ("2026-09-01", "411100", "invoiced_revenue", D("0"), D("1250.00"))]
    assert finance.query("""select currency_code, total_amount, total_amount_accounting from marts.fct_customer_invoices
                            where contract_id = 'so-coho'""") == [("GBP", D("1000.00"), D("1250.00"))]


def test_r25_accrual_postings_of_5_3(finance):
    """§7.16 T&M with accrual: journal Dr WIP 100 / Cr accrued 100; invoice Dr customer 120 / Cr revenue 100 /
    Cr tax 20, and the accrual reversed (Dr accrued 100 / Cr WIP 100)."""
    assert [r[1:] for r in gl(finance, "contract_line_id = 'cl-accrue' and posting_type not in ('project_cost', 'cost_item')")] == [
        ("161300", "wip_sales_value", D("100.00"), D("0")), ("420200", "accrued_revenue", D("0"), D("100.00")),
        ("130100", "customer_balance", D("120.00"), D("0")), ("420200", "accrued_revenue", D("100.00"), D("0")),
        ("161300", "wip_sales_value", D("0"), D("100.00")), ("411100", "invoiced_revenue", D("0"), D("100.00")),
        ("222200", "sales_tax_payable", D("0"), D("20.00"))]


def test_r27_revenue_recognition_by_percent_complete(finance):
    """Estimated cost 150.00; cost 45.00 by May (30 %) and 120.00 by June (80 %) of 1,000.00 → 300.00 then 500.00."""
    assert finance.query("""select period, percent_complete, cumulative_revenue, period_revenue
                            from marts.fct_revenue_recognition where contract_line_id = 'cl-fixed' order by 1""") == [
        ("2026-05", D("0.3"), D("300.00"), D("300.00")), ("2026-06", D("0.8"), D("800.00"), D("500.00")),
        ("2026-07", D("0.8"), D("800.00"), D("0.00")), ("2026-08", D("0.8"), D("800.00"), D("0.00")),
        ("2026-09", D("0.8"), D("800.00"), D("0.00"))]
    assert [r[1:] for r in gl(finance, "source_type = 'revenue_recognition'")] == [
        ("161300", "wip_sales_value", D("300.00"), D("0")), ("420200", "accrued_revenue", D("0"), D("300.00")),
        ("161300", "wip_sales_value", D("500.00"), D("0")), ("420200", "accrued_revenue", D("0"), D("500.00"))]
    # the milestone invoice of a fixed-price line posts to WIP invoiced on account
    assert [r[1:] for r in gl(finance, "source_type = 'customer_invoice' and contract_line_id = 'cl-fixed'")] == [
        ("130100", "customer_balance", D("480.00"), D("0")), ("161400", "wip_invoiced_on_account", D("0"), D("400.00")),
        ("222200", "sales_tax_payable", D("0"), D("80.00"))]


def test_r24_a_missing_exchange_rate_holds_the_line_back_and_reports_it(finance):
    # the cost (USD, the legal entity's currency) posts; the EUR unbilled sales wait, and so does the invoice
    assert finance.query("select transaction_type from marts.fct_integration_journal_lines where project_id = 'proj-eur'"
                         ) == [("cost",)]
    assert finance.query("select count(*) from marts.fct_customer_invoices where contract_id = 'so-eur'") == [(0,)]
    assert finance.query("select record_id, reason_code, stage from marts.rpt_rejected_rows "
                         "where reason_code = 'no_exchange_rate'") == [("no-rate", "no_exchange_rate", "finance")]


def test_r23_a_service_account_of_another_company_is_rejected_until_fixed(finance):
    assert finance.query("select record_id, reason_code from marts.rpt_rejected_rows "
                         "where reason_code = 'company_mismatch'") == [("mismatch", "company_mismatch")]
    assert finance.query("select count(*) from marts.fct_project_actuals where work_order_line_id = 'mismatch'") == [(0,)]


def test_i6_trial_balance_is_zero_per_legal_entity_and_period(finance):
    assert finance.query("select count(*) from marts.rpt_trial_balance") != [(0,)]
    assert finance.query("""select legal_entity, period from marts.rpt_trial_balance group by all
                            having sum(net_amount) <> 0""") == []
    assert finance.query("select count(*) from marts.rpt_pipeline_reconciliation where difference <> 0") == [(0,)]


def test_exports_exactly_once_and_recovered_after_a_crash(finance, tmp_path):
    out = tmp_path / "exports"
    first = export_batch(finance.build_db, out)
    assert first and first.written and first.rows == {"integration_journal_lines": 9, "customer_invoices": 4}
    files = sorted(p.name for p in first.folder.iterdir())
    assert files == ["customer_invoices.csv", "customer_invoices.parquet", f"finance_package_USMF_{first.batch_id}.zip",
                     "integration_journal_lines.csv", "integration_journal_lines.parquet", "manifest.json"]
    header = (first.folder / "integration_journal_lines.csv").read_text().splitlines()[0]
    assert header.startswith("ActualId,TransType,TransactionClassification,BillingType,ProjectId")
    assert export_batch(finance.build_db, out) is None  # a re-run writes nothing new
    # a crash after the files were written but before the batch was recorded: the next run records the same batch
    stamp = (first.folder / "manifest.json").stat().st_mtime_ns
    with __import__("duckdb").connect(str(finance.build_db)) as con:
        con.execute("delete from exports.batch_rows; delete from exports.batches")
    again = export_batch(finance.build_db, out)
    assert again.batch_id == first.batch_id and not again.written
    assert (first.folder / "manifest.json").stat().st_mtime_ns == stamp
    assert len(exported_batches(finance.build_db)) == 1 and len(list(out.iterdir())) == 1


def test_without_finance_the_pipeline_ends_at_confirmed_proformas(tmp_path):
    d = Delivery.example_a()
    d.used("wop-1", "2026-02-03T10:00:00Z", "wo-1", "4", "3", msdyn_discountpercent="25")
    d.add("cdm_company", cdm_companycode="GBSI", name="Contoso UK", accountingcurrency="GBP")
    d.add("account", accountid="uk-site", name="UK site", accountnumber="C004", msdyn_company="GBSI",
          transactioncurrencyid="USD")
    d.work_order("wo-mismatch", "2026-01-21T09:00:00Z", account="uk-site")
    d.used("mismatch", "2026-02-04T10:00:00Z", "wo-mismatch", "1")
    w = Warehouse(tmp_path)
    w.build(d.write(tmp_path / "delivery"), as_of_date="2026-03-05", finance_integration=False)
    assert w.query("select status, total_amount from marts.fct_proforma_invoices") == [("confirmed", D("130.00"))]
    for mart in ("fct_integration_journal_lines", "fct_gl_entries", "fct_customer_invoices", "fct_forecast_lines",
                 "fct_revenue_recognition", "rpt_trial_balance"):
        assert w.query(f"select count(*) from marts.{mart}") == [(0,)], mart
    assert w.query("select count(*) from marts.rpt_rejected_rows") == [(0,)]  # company alignment is a Finance rule
    assert export_batch(w.build_db, tmp_path / "exports") is None


def test_r24_the_held_line_posts_once_its_rate_arrives(tmp_path):
    d = Delivery.example_a()
    add_eur_contract(d)
    d.work_order("wo-eur", "2026-01-20T09:00:00Z", project="proj-eur", account="eur-customer")
    d.add("product", productid="eur-item", productnumber="E", name="E", msdyn_fieldserviceproducttype=690970001,
          defaultuomid="uom-each", price="10", standardcost="5", currentcost="5")
    d.add("productpricelevel", productpricelevelid="ppl-e", pricelevelid="pl-eur", productid="eur-item",
          uomid="uom-each", amount="10.00", pricingmethodcode=1)
    d.used("eur-line", "2026-02-02T10:00:00Z", "wo-eur", "1", product="eur-item", msdyn_pricelist="pl-eur")
    w = Warehouse(tmp_path)
    w.build(d.write(tmp_path / "delivery"), as_of_date="2026-03-05")
    assert w.query("select reason_code from marts.rpt_rejected_rows") == [("no_exchange_rate",)]
    (tmp_path / "delivery" / "exchangerate.csv").write_text("fromcurrency,tocurrency,validfrom,rate\nEUR,USD,2026-01-01,1.10\n")
    w.build(tmp_path / "delivery", as_of_date="2026-03-05")
    assert w.query("select count(*) from marts.rpt_rejected_rows") == [(0,)]
    assert w.query("select transaction_type, amount, amount_accounting from marts.fct_integration_journal_lines "
                   "where project_id = 'proj-eur' order by 1") == [
        ("cost", D("5.00"), D("5.00")), ("unbilled_sales", D("10.00"), D("11.00"))]
    # 10.00 EUR + 20 % tax = 12.00 EUR at 1.10
    assert w.query("select total_amount_accounting from marts.fct_customer_invoices where contract_id = 'so-eur'") == [
        (D("13.20"),)]

