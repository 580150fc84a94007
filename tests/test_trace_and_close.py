"""Trace both ways (SPEC §3.1), line completeness (§3.2) and period close (§3.3), issue 11: one small delivery
(SPEC §5 example A and a few neighbours), two runs into one build file, with hand-computed figures.

Run 1 (as_of_date 2026-03-31, FIELDLEDGER_CLOSED_THROUGH 2026-01-31): example A's line wop-1, two 33.33 lines on
the same invoice (the 20 % tax of 156.66 is 31.33: 18.00 + 6.66 + 6.66 leaves a cent for the tie of 0.006, to the
smaller detail id), a EUR contract whose February sales wait for a rate (valid from 03-01), a line of another
company, a not-to-exceed failure, a March line not yet invoiced, and an invoice ("legacy") that is then rewritten
as a build from before issue 11 recorded it (legs per invoice line, without the columns added since).
Run 2: the delivery closes February for USMF (closed_periods.csv) and brings a line used on 02-20: it posts on
03-01 keeping 02-20; the EUR sales post on 03-01 at 1.10; the February snapshot is run 1's February.
"""

import hashlib
from decimal import Decimal as D

import duckdb
import pytest
from conftest import InProcessDbt, Warehouse
from delivery_builder import Delivery

from orchestration.dbt import dbt_build_args
from orchestration.exports import export_batch
from orchestration.settings import RUN_SETTING_DEFAULTS

SETTINGS = {**RUN_SETTING_DEFAULTS, "as_of_date": "2026-03-31", "closed_through": "2026-01-31"}
# the models this file reads and everything upstream of them; the tests whose every parent is among them
MODELS = ("+fct_trace +rpt_restatement +rpt_trial_balance +fct_customer_invoice_line_details +fct_period_close_snapshots "
          "+fct_customer_invoices +fct_customer_invoice_lines +rpt_unbilled_backlog +fct_integration_journal_lines "
          "+dim_products +dim_customers +rpt_line_completeness "
          "+dim_projects +dim_contract_lines +fct_project_actuals +fct_material_usage_logs")  # the export's packages
TESTED = ("fct_trace fct_gl_entries fct_customer_invoice_line_details fct_customer_invoice_lines rpt_restatement "
          "rpt_trial_balance fct_period_close_snapshots fct_integration_journal_lines int_customer_invoice_line_details_recorded "
          "int_closed_periods int_period_close_snapshots_recorded fct_customer_invoices rpt_line_completeness")
LEGACY = "ORD-legacy-20260301"
COMPLETENESS = """select work_order_line_id, stage, blocked_by, amount_at_risk, currency_code, cost_at_risk, age_days
                  from marts.rpt_line_completeness order by 1"""


def md5(*parts) -> str:
    return hashlib.md5("|".join(str(p) for p in parts).encode()).hexdigest()  # the hash_id macro


def run(dbt: InProcessDbt) -> None:
    """The models of this file and their tests (--indirect-selection cautious: tests of models outside are left)."""
    args = dbt_build_args(SETTINGS)[1:]
    dbt.run("run", *args, "--select", MODELS)
    dbt.run("test", *args, "--select", TESTED, "--indirect-selection", "cautious")


def add_eur_contract(d: Delivery) -> None:
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
    d.add("product", productid="eur-item", productnumber="E", name="E", msdyn_fieldserviceproducttype=690970001,
          defaultuomid="uom-each", price="10", standardcost="5", currentcost="5.00")
    d.add("productpricelevel", productpricelevelid="ppl-e", pricelevelid="pl-eur", productid="eur-item",
          uomid="uom-each", amount="10.05", pricingmethodcode=1)
    d.add("exchangerate", fromcurrency="EUR", tocurrency="USD", validfrom="2026-03-01", rate="1.10")
    d.work_order("wo-eur", "2026-01-20T09:00:00Z", project="proj-eur", account="eur-customer")


def rewrite_as_before_issue_11(w: Warehouse) -> None:
    """The build file as a build from before issue 11 left it: no per-detail ledger, no columns added since, and the
    legacy invoice's legs per invoice line (source = the customer invoice line, no work order line)."""
    line = "(select distinct invoice_line_id from intermediate.int_invoice_line_details_recorded where invoice_number = ?)"
    with duckdb.connect(str(w.build_db)) as con:
        con.execute("drop table intermediate.int_customer_invoice_line_details_recorded")
        for column in ("work_order_line_id", "invoice_line_detail_id", "milestone_id", "original_accounting_date"):
            con.execute(f"alter table intermediate.int_gl_entries_recorded drop column {column}")
        con.execute("alter table intermediate.int_integration_journal_lines_recorded drop column original_accounting_date")
        con.execute(f"""create temp table legacy as
            select md5(concat_ws('|', 'customer_invoice', {line}, posting_type, case posting_type
                       when 'customer_balance' then 1 when 'invoiced_revenue' then 2 else 3 end)) as gl_entry_id,
                   voucher, legal_entity, accounting_date, period, main_account, posting_type,
                   sum(debit_amount) as debit_amount, sum(credit_amount) as credit_amount, accounting_currency_code,
                   source_type, {line} as source_id, null as project_id, null as work_order_id, contract_line_id,
                   null as actual_id, invoice_id
            from intermediate.int_gl_entries_recorded where voucher = ?
            group by all""", [LEGACY, LEGACY, LEGACY])
        con.execute("delete from intermediate.int_gl_entries_recorded where voucher = ?", [LEGACY])
        con.execute("insert into intermediate.int_gl_entries_recorded select * from legacy")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    root = tmp_path_factory.mktemp("trace")
    d = Delivery.example_a()  # USMF / USD, tax 20 %, T&M without accrual, monthly runs
    # SPEC §5 A: v1 Estimated (estimate 5), v2 on 02-03 Used, quantity 4, to bill 3, discount 25 %
    d.product_line("wop-1", "2026-01-20T10:00:00Z", msdyn_estimatequantity="5")
    v2 = d.used("wop-1", "2026-02-03T10:00:00Z", "wo-1", "4", "3", msdyn_estimatequantity="5",
                msdyn_discountpercent="25", msdyn_additionalcost="2.50", msdyn_commissioncosts="1.00")
    # two more lines on the same invoice line: 33.33 each (manual price), cost 15.00 each
    d.used("wop-2", "2026-02-05T10:00:00Z", "wo-1", "1", msdyn_unitamount="33.33")
    d.used("wop-3", "2026-02-05T11:00:00Z", "wo-1", "1", msdyn_unitamount="33.33")
    d.used("wop-4", "2026-03-10T10:00:00Z", "wo-1", "1")  # March: next run 04-01
    add_eur_contract(d)  # two lines of 10.05 EUR (cost 5.00 USD each) on 02-10; the EUR rate starts 03-01
    d.used("eur-1", "2026-02-10T10:00:00Z", "wo-eur", "1", product="eur-item", msdyn_pricelist="pl-eur")
    d.used("eur-2", "2026-02-10T11:00:00Z", "wo-eur", "1", product="eur-item", msdyn_pricelist="pl-eur")
    d.project("legacy")
    d.used("legacy-1", "2026-02-12T10:00:00Z", "wo-legacy", "1")  # 40.00 + 8.00 tax on 03-01
    d.project("nte", nte="50.00")
    d.used("nte-1", "2026-02-15T10:00:00Z", "wo-nte", "2")  # 80.00 over the 50.00 limit (R19)
    d.add("cdm_company", cdm_companycode="GBSI", name="Contoso UK", accountingcurrency="GBP")
    d.add("account", accountid="uk-site", name="UK site", accountnumber="C004", msdyn_company="GBSI",
          transactioncurrencyid="USD")
    d.work_order("wo-mismatch", "2026-01-21T09:00:00Z", account="uk-site")
    d.used("mismatch", "2026-02-04T10:00:00Z", "wo-mismatch", "1")  # R23 company_mismatch
    w = Warehouse(root)
    w.land(d.write(root / "delivery"))
    dbt = InProcessDbt(w)
    dbt.run("seed")
    run(dbt)
    w.v2 = v2["versionnumber"]
    w.run1 = {
        "trace": w.query("select * from marts.fct_trace order by trace_link_id"),
        "gl": w.query("select * from marts.fct_gl_entries order by gl_entry_id"),
        "february": w.query("""select main_account, debit_amount, credit_amount from marts.rpt_trial_balance
                               where legal_entity = 'USMF' and period = '2026-02' order by 1"""),
        "completeness": w.query(COMPLETENESS),
    }
    w.batch = export_batch(w.build_db, root / "exports")
    rewrite_as_before_issue_11(w)

    later = Delivery()
    later._version = 1000
    later.add("closed_periods", legal_entity="USMF", closed_through="2026-02-28", description="February closed")
    later.used("wop-late", "2026-02-20T10:00:00Z", "wo-1", "1", file="late")  # 40.00, cost 15.00: arrives now
    later.write(root / "delivery")
    w.land(root / "delivery")
    run(dbt)
    return w


def test_s3_1_the_trace_of_example_a_is_its_whole_chain(scenario):
    """SPEC §3.1, §5 A: wop-1 → MUL → cost and unbilled journal lines → actuals → integration journal lines (the
    cost posts Dr 63.50 / Cr 63.50; unbilled sales of T&M without accrual post nothing) and → the invoice line
    detail of the 03-01 run → invoice → confirmation (billed 90.00, skip-sync −90.00) → voucher ORD-1-20260301 →
    Dr customer_balance 108.00 / Cr invoiced_revenue 90.00 / Cr sales_tax_payable 18.00; each document → the export
    batch run 1's export wrote (D-T4: already named by run 1, before the export ran)."""
    upstream = [(1, "revision", "work_order_line_version", "mul", None, None, None)]
    export_line = (11, "export", "integration_journal_line", "export_batch", None, None, None)
    cost = upstream + [(2, "journal", "mul", "journal_line", D("63.50"), None, None),
                       (3, "approval", "journal_line", "actual", D("63.50"), None, None),
                       (8, "integration", "actual", "integration_journal_line", D("63.50"), None, None),
                       (9, "voucher", "integration_journal_line", "voucher", None, None, None),
                       (10, "posting", "voucher", "gl_entry", None, D("0.00"), D("63.50")),
                       (10, "posting", "voucher", "gl_entry", None, D("63.50"), D("0.00")), export_line]
    sales = upstream + [(2, "journal", "mul", "journal_line", D("90.00"), None, None),
                        (3, "approval", "journal_line", "actual", D("90.00"), None, None)]
    integration_sales = sales + [(8, "integration", "actual", "integration_journal_line", D("90.00"), None, None),
                                 (9, "voucher", "integration_journal_line", "voucher", None, None, None), export_line]
    invoice = sales + [(5, "invoice_run", "actual", "invoice_line_detail", D("90.00"), None, None),
                       (6, "invoice", "invoice_line_detail", "invoice", None, None, None),
                       (7, "confirmation", "actual", "actual", D("-90.00"), None, None),
                       (7, "confirmation", "invoice_line_detail", "actual", D("90.00"), None, None),
                       (9, "voucher", "invoice", "voucher", None, None, None),
                       (10, "posting", "voucher", "gl_entry", None, D("0.00"), D("18.00")),
                       (10, "posting", "voucher", "gl_entry", None, D("0.00"), D("90.00")),
                       (10, "posting", "voucher", "gl_entry", None, D("108.00"), D("0.00")),
                       (11, "export", "invoice", "export_batch", None, None, None)]
    rows = scenario.query("""select chain_kind, chain_id, step, link, from_kind, to_kind, amount, debit_amount,
                                    credit_amount, voucher, export_batch_id
                             from marts.fct_trace where work_order_line_id = 'wop-1'
                             order by chain_kind, chain_id, step, to_kind, amount, debit_amount, credit_amount""")
    chains: dict[str, list[tuple]] = {}
    ends: dict[str, tuple] = {}
    for kind, chain_id, *link, voucher, batch in rows:
        chains.setdefault(f"{kind}:{chain_id}", []).append(tuple(link))
        ends[f"{kind}:{chain_id}"] = (voucher, batch)
    assert sorted((key.split(":")[0], links) for key, links in chains.items()) == sorted(
        [("customer_invoice", invoice), ("integration_journal", cost), ("integration_journal", integration_sales)])
    vouchers = sorted(voucher for voucher, _ in ends.values())
    assert vouchers[0] == "ORD-1-20260301" and all(v.startswith("PIJ-USMF-202602-") for v in vouchers[1:])
    assert {batch for _, batch in ends.values()} == {scenario.batch.batch_id}
    # the ids on the chain are the deterministic ones (hash_id): MUL of revision 1, caused by row version v2
    mul = md5("wop-1", 1)
    assert scenario.query("""select distinct from_id, to_id from marts.fct_trace
                             where work_order_line_id = 'wop-1' and link = 'revision'""") == [
        (f"wop-1@{scenario.v2}", mul)]
    assert scenario.query("select distinct mul_id, work_order_id from marts.fct_trace "
                          "where work_order_line_id = 'wop-1'") == [(mul, "wo-1")]
    # run 1 published the same chain, naming the batch its export then wrote (the id exports.py computed)
    run1 = [r for r in scenario.run1["trace"] if r[16] == "wop-1"]
    assert len(run1) == len(rows) and {r[-1] for r in run1} == {scenario.batch.batch_id}


def test_s3_1_the_trace_of_a_voucher_leads_back_to_its_work_order_lines_and_sums_to_it(scenario):
    """SPEC §3.1: one filter on the voucher gives every chain into it; its posting links sum to the voucher, and
    each leg of the invoice names its own work order line and actual."""
    inv = "ORD-1-20260301"
    assert scenario.query("""select distinct work_order_line_id from marts.fct_trace where voucher = ?
                             order by 1""", [inv]) == [("wop-1",), ("wop-2",), ("wop-3",)]
    gl = scenario.query("select voucher, sum(debit_amount), sum(credit_amount), count(*) from marts.fct_gl_entries "
                        "group by voucher order by voucher")
    traced = scenario.query("select voucher, sum(debit_amount), sum(credit_amount), count(*) from marts.fct_trace "
                            "where link = 'posting' group by voucher order by voucher")
    assert len(gl) >= 10 and traced == gl
    # 156.66 + 31.33 tax = 187.99; every leg carries its work order line and the billed actual
    assert scenario.query("""select work_order_line_id, posting_type, debit_amount, credit_amount,
                                    actual_id = (select actual_id from marts.fct_project_actuals a
                                                 where a.work_order_line_id = g.work_order_line_id
                                                 and a.transaction_type = 'unbilled_sales'
                                                 and a.reverses_actual_id is null)
                             from marts.fct_gl_entries g where voucher = ?
                             order by work_order_line_id, debit_amount desc, credit_amount desc""", [inv]) == [
        ("wop-1", "customer_balance", D("108.00"), D("0"), True),
        ("wop-1", "invoiced_revenue", D("0"), D("90.00"), True),
        ("wop-1", "sales_tax_payable", D("0"), D("18.00"), True),
        ("wop-2", "customer_balance", D("40.00"), D("0"), True),
        ("wop-2", "invoiced_revenue", D("0"), D("33.33"), True),
        ("wop-2", "sales_tax_payable", D("0"), D("6.67"), True),
        ("wop-3", "customer_balance", D("39.99"), D("0"), True),
        ("wop-3", "invoiced_revenue", D("0"), D("33.33"), True),
        ("wop-3", "sales_tax_payable", D("0"), D("6.66"), True)]


def test_s3_1_tax_and_accounting_amounts_split_by_largest_remainder_ties_by_id(scenario):
    """D-T2: 20 % of 156.66 = 31.332 → 31.33; exact parts 18.000, 6.666, 6.666 → 18.00, 6.66, 6.66 and the cent
    left goes to the largest remainder, a tie (0.006) broken by the smaller detail id. EUR: 20.10 at 1.10 = 22.11;
    exact parts 11.055 each → 11.05 each and the cent to the smaller id; tax 2.01 each → 4.42 at 1.10 (2.211 each)."""
    def details(contract):
        return scenario.query("""select work_order_line_id, customer_invoice_line_detail_id, net_amount, tax_amount,
                                        net_amount_accounting, tax_amount_accounting
                                 from marts.fct_customer_invoice_line_details where contract_id = ?
                                 order by customer_invoice_line_detail_id""", [contract])
    first, second, third = sorted(details("so-1"), key=lambda r: r[0])
    assert first[2:] == (D("90.00"), D("18.00"), D("90.00"), D("18.00"))
    low, high = sorted([second, third], key=lambda r: r[1])  # by detail id
    assert (low[3], high[3]) == (D("6.67"), D("6.66")) and low[2] == high[2] == D("33.33")
    low, high = details("so-eur")
    assert [r[2:] for r in (low, high)] == [(D("10.05"), D("2.01"), D("11.06"), D("2.21")),
                                            (D("10.05"), D("2.01"), D("11.05"), D("2.21"))]
    assert scenario.query("""select net_amount, tax_amount, net_amount_accounting, tax_amount_accounting
                             from marts.fct_customer_invoice_lines where contract_line_id in ('cl-1', 'cl-eur')
                             order by 1 desc""") == [
        (D("156.66"), D("31.33"), D("156.66"), D("31.33")), (D("20.10"), D("4.02"), D("22.11"), D("4.42"))]
    assert scenario.query("""select sum(debit_amount), sum(credit_amount) from marts.fct_gl_entries
                             where voucher = 'EUR-20260301'""") == [(D("26.53"), D("26.53"))]


def test_s3_3_a_late_item_posts_on_the_first_open_date_and_keeps_its_own(scenario):
    """SPEC §3.3: February is closed when the line used on 02-20 arrives: its cost posts on 03-01 (voucher of the
    March journal) with original_accounting_date 02-20; the EUR sales that waited for a rate post on 03-01 too, at
    the rate of 03-01 (10.05 × 1.10 = 11.06)."""
    assert scenario.query("""select accounting_date::varchar, original_accounting_date::varchar, period, original_period,
                                    posting_type, debit_amount, credit_amount
                             from marts.fct_gl_entries where work_order_line_id = 'wop-late'
                             order by debit_amount desc""") == [
        ("2026-03-01", "2026-02-20", "2026-03", "2026-02", "project_cost", D("15.00"), D("0")),
        ("2026-03-01", "2026-02-20", "2026-03", "2026-02", "cost_item", D("0"), D("15.00"))]
    assert scenario.query("""select work_order_line_id, transaction_type, accounting_date::varchar,
                                    original_accounting_date::varchar, left(voucher, 16), exchange_rate,
                                    amount_accounting
                             from marts.fct_integration_journal_lines
                             where work_order_line_id in ('wop-late', 'eur-1', 'eur-2')
                             order by work_order_line_id, transaction_type""") == [
        ("eur-1", "cost", "2026-02-10", "2026-02-10", "PIJ-USMF-202602-", D("1"), D("5.00")),
        ("eur-1", "unbilled_sales", "2026-03-01", "2026-02-10", "PIJ-USMF-202603-", D("1.1"), D("11.06")),
        ("eur-2", "cost", "2026-02-10", "2026-02-10", "PIJ-USMF-202602-", D("1"), D("5.00")),
        ("eur-2", "unbilled_sales", "2026-03-01", "2026-02-10", "PIJ-USMF-202603-", D("1.1"), D("11.06")),
        ("wop-late", "cost", "2026-03-01", "2026-02-20", "PIJ-USMF-202603-", D("1"), D("15.00")),
        ("wop-late", "unbilled_sales", "2026-03-01", "2026-02-20", "PIJ-USMF-202603-", D("1"), D("40.00"))]
    # nothing was added to or changed in January or February by run 2
    assert scenario.query("select count(*) from marts.fct_gl_entries where period <= '2026-02'")[0][0] == len(
        [r for r in scenario.run1["gl"] if r[4] <= "2026-02"])
    assert scenario.query("""select main_account, debit_amount, credit_amount from marts.rpt_trial_balance
                             where legal_entity = 'USMF' and period = '2026-02' order by 1""") == scenario.run1["february"]
    assert scenario.query("select legal_entity, closed_through::varchar, first_open_date::varchar "
                          "from intermediate.int_closed_periods order by 1") == [
        ("GBSI", "2026-01-31", "2026-02-01"), ("USMF", "2026-02-28", "2026-03-01")]


def test_s3_3_the_snapshot_of_february_is_run_1s_and_nothing_was_restated(scenario):
    """SPEC §3.3: closing February (run 2) froze run 1's February — Dr 540100 148.50 / Cr 600300 148.50 (63.50 +
    15.00 + 15.00 + 5.00 + 5.00 + 15.00 + 30.00): the late 15.00 is not in it — and January (closed by the setting
    in run 1, empty) stays empty; rpt_restatement shows no difference and the two late legs of February."""
    assert scenario.query("""select period, level, main_account, debit_amount, credit_amount, closing_balance,
                                    entry_count, snapshot_load_id
                             from marts.fct_period_close_snapshots where legal_entity = 'USMF'
                             order by period, level, main_account""") == [
        ("2026-01", "period", None, D("0"), D("0"), None, 0, 1),
        ("2026-02", "account", "540100", D("148.50"), D("0"), D("148.50"), 7, 2),
        ("2026-02", "account", "600300", D("0"), D("148.50"), D("-148.50"), 7, 2),
        ("2026-02", "period", None, D("148.50"), D("148.50"), None, 14, 2)]
    assert scenario.query("""select period, level, main_account, difference_debit_amount, difference_credit_amount,
                                    difference_closing_balance, difference_entry_count, late_entry_count, late_posted_in,
                                    explanation like 'unchanged since closed%'
                             from marts.rpt_restatement where legal_entity = 'USMF'
                             order by period, level, main_account""") == [
        ("2026-01", "period", None, D("0"), D("0"), D("0"), 0, 0, None, True),
        ("2026-02", "account", "540100", D("0"), D("0"), D("0"), 0, 1, "2026-03", True),
        ("2026-02", "account", "600300", D("0"), D("0"), D("0"), 0, 1, "2026-03", True),
        ("2026-02", "period", None, D("0"), D("0"), D("0"), 0, 2, "2026-03", True)]


def test_s3_3_the_trial_balance_rolls_forward(scenario):
    """SPEC §3.3: opening + debits − credits = closing, and each period opens with the previous closing: 540100
    February 0 + 148.50 = 148.50; March 148.50 + 15.00 (wop-4) + 15.00 (the late line) = 178.50."""
    assert scenario.query("""select period, opening_balance, debit_amount, credit_amount, closing_balance, is_closed
                             from marts.rpt_trial_balance where legal_entity = 'USMF' and main_account = '540100'
                             order by period""") == [
        ("2026-02", D("0"), D("148.50"), D("0"), D("148.50"), True),
        ("2026-03", D("148.50"), D("30.00"), D("0"), D("178.50"), False)]
    rows = scenario.query("""select legal_entity, main_account, period, opening_balance, net_amount, closing_balance
                             from marts.rpt_trial_balance order by 1, 2, 3""")
    assert len(rows) > 6
    for before, after in zip(rows, rows[1:], strict=False):
        assert before[3] + before[4] == before[5]
        if before[:2] == after[:2]:
            assert after[3] == before[5], (before, after)


def test_d_t1_an_invoice_posted_per_line_before_issue_11_is_not_posted_again(scenario):
    """D-T1: the legacy invoice's legs were recorded per invoice line (as before issue 11) and the columns added
    since were missing; run 2 added the columns, kept its three legs and posted nothing more for it; the legs of
    the other run-1 invoices get their work order lines from their invoice line details."""
    assert scenario.query("""select posting_type, debit_amount, credit_amount, work_order_line_id, invoice_line_detail_id,
                                    source_id = (select distinct customer_invoice_line_id
                                                 from marts.fct_customer_invoice_line_details where invoice_number = ?)
                             from marts.fct_gl_entries where voucher = ? order by debit_amount desc, credit_amount desc""",
                          [LEGACY, LEGACY]) == [
        ("customer_balance", D("48.00"), D("0"), None, None, True),
        ("invoiced_revenue", D("0"), D("40.00"), None, None, True),
        ("sales_tax_payable", D("0"), D("8.00"), None, None, True)]
    assert scenario.query("""select chain_kind, count(*) from marts.fct_trace where voucher = ? and link = 'posting'
                             group by 1""", [LEGACY]) == [("customer_invoice_line", 3)]
    assert scenario.query("""select count(*) from marts.fct_gl_entries where original_accounting_date is null
                             or (source_type = 'integration_journal' and work_order_line_id is null)""") == [(0,)]
    assert scenario.query("""select work_order_line_id, original_accounting_date::varchar from marts.fct_gl_entries
                             where voucher = 'ORD-1-20260301' and posting_type = 'customer_balance'
                             order by 1""") == [("wop-1", "2026-03-01"), ("wop-2", "2026-03-01"), ("wop-3", "2026-03-01")]


def test_s3_2_every_used_line_once_with_its_stage_blocker_and_amount_at_risk(scenario):
    """SPEC §3.2 at as_of_date 2026-03-31. Run 1: the EUR lines are invoiced (confirmed 03-01) but their sales wait
    for a rate (10.05 EUR each at risk since 02-10: 49 days). Run 2: they post (the rate of 03-01) and go into the
    batch the export writes next; the March line and the late line wait for the 04-01 run (40.00 each, since 03-10 and 02-20); the NTE line
    failed (80.00 since 02-15); the line of the UK site is rejected before its MUL (company_mismatch, since 02-04)."""
    eur = [r for r in scenario.run1["completeness"] if r[0].startswith("eur-")]
    assert eur == [("eur-1", "invoiced", "no_exchange_rate", D("10.05"), "EUR", D("0"), 49),
                   ("eur-2", "invoiced", "no_exchange_rate", D("10.05"), "EUR", D("0"), 49)]
    assert scenario.query(COMPLETENESS) == [
        ("eur-1", "exported", None, D("0"), "EUR", D("0"), None),
        ("eur-2", "exported", None, D("0"), "EUR", D("0"), None),
        ("legacy-1", "exported", None, D("0"), "USD", D("0"), None),
        ("mismatch", "used", "company_mismatch", D("0"), None, D("0"), 55),
        ("nte-1", "actual", "nte_failed", D("80.00"), "USD", D("0"), 44),
        ("wop-1", "exported", None, D("0"), "USD", D("0"), None),
        ("wop-2", "exported", None, D("0"), "USD", D("0"), None),
        ("wop-3", "exported", None, D("0"), "USD", D("0"), None),
        ("wop-4", "actual", "no_invoice_run_yet", D("40.00"), "USD", D("0"), 21),
        ("wop-late", "actual", "no_invoice_run_yet", D("40.00"), "USD", D("0"), 39)]
    # the reconciliation of §3.2: Σ at risk = unbilled backlog (actual items) + integration lines waiting
    assert scenario.query("""select sum(amount) from marts.rpt_unbilled_backlog where item_kind = 'actual'""") == [
        (D("160.00"),)]
    assert scenario.query("select sum(amount_at_risk) from marts.rpt_line_completeness") == [(D("160.00"),)]


def test_the_checks_of_issue_11_fail_on_the_defects_they_guard(scenario, tmp_path):
    """On a copy of the build: a snapshot a cent off (a closed period changed), a GL leg missing from the trace, a
    closing balance a cent off, an amount at risk the backlog does not have — each check reports a failure."""
    import shutil

    w = Warehouse(scenario.root)  # same target folder: dbt does not parse again
    w.build_db = tmp_path / "corrupted.duckdb"
    shutil.copy(scenario.build_db, w.build_db)
    with duckdb.connect(str(w.build_db)) as con:
        con.execute("""update intermediate.int_period_close_snapshots_recorded set debit_amount = debit_amount + 0.01
                       where snapshot_level = 'account' and main_account = '540100'""")
        con.execute("""delete from marts.fct_trace where trace_link_id = (
                       select min(trace_link_id) from marts.fct_trace where link = 'posting')""")
        con.execute("""update marts.rpt_line_completeness set amount_at_risk = amount_at_risk + 1
                       where work_order_line_id = 'wop-4'""")
    dbt = InProcessDbt(w)
    args = dbt_build_args(SETTINGS)[1:]
    dbt.run("run", *args, "--select", "rpt_restatement")
    with duckdb.connect(str(w.build_db)) as con:
        con.execute("""update marts.rpt_trial_balance set closing_balance = closing_balance + 0.01
                       where main_account = '540100' and period = '2026-03'""")
    checks = ["assert_closed_periods_unchanged", "assert_trace_every_gl_leg_once", "assert_trial_balance_rolls_forward",
              "assert_line_completeness_reconciles"]
    result = dbt.run("test", *args, "--select", " ".join(checks), check=False)
    assert result.statuses == {name: "fail" for name in checks}
