"""Every number the dashboard shows comes from one of these queries on the published marts, one section per page.

Money is never added across currencies: amounts in transaction currency are grouped by currency_code, the
profitability reports are in the legal entity's accounting currency, and a total with a missing exchange rate in it
is NULL (shown as —), as in the reports themselves (SPEC §3, DECISIONLOG D-R*).
"""

# --- Overview ----------------------------------------------------------------------------------------------------

# billed = billed sales actuals (= confirmed invoice lines, I5), unbilled = chargeable unbilled sales actuals net of
# their reversals, backlog = open unbilled items and milestones (rpt_unbilled_backlog); transaction currency
OVERVIEW_MONEY = """
    with billed as (select currency_code, sum(amount) as billed from marts.fct_project_actuals
                    where transaction_type = 'billed_sales' group by 1),
         unbilled as (select currency_code, sum(amount) as unbilled from marts.fct_project_actuals
                      where transaction_type = 'unbilled_sales' and billing_type = 'chargeable' group by 1),
         backlog as (select currency_code, sum(amount) as backlog, count(*) as backlog_items
                     from marts.rpt_unbilled_backlog group by 1)
    select currency_code, coalesce(billed, 0) as billed, coalesce(unbilled, 0) as unbilled,
           coalesce(backlog, 0) as backlog, coalesce(backlog_items, 0) as backlog_items
    from billed full join unbilled using (currency_code) full join backlog using (currency_code)
    order by currency_code"""

OVERVIEW_RECONCILIATION = """
    select stage_order, stage, row_count, amount, difference, must_equal
    from marts.rpt_pipeline_reconciliation order by stage_order"""

OVERVIEW_TRIAL_BALANCE = """
    select legal_entity, period, accounting_currency_code, sum(debit_amount) as debit, sum(credit_amount) as credit,
           sum(debit_amount) - sum(credit_amount) as difference
    from marts.rpt_trial_balance group by all order by legal_entity, period"""

# --- Unbilled backlog and aging ----------------------------------------------------------------------------------

BACKLOG_CURRENCIES = "select distinct currency_code from marts.rpt_unbilled_backlog order by 1"

AGING_BUCKET = """case when age_days <= 30 then '0–30 days' when age_days <= 60 then '31–60 days'
                       when age_days <= 90 then '61–90 days' else 'over 90 days' end"""

BACKLOG_TOTALS = """
    select currency_code, count(*) as items, sum(amount) as amount, max(age_days) as oldest_days
    from marts.rpt_unbilled_backlog group by 1 order by 1"""

BACKLOG_BY_REASON = """
    select backlog_reason, currency_code, count(*) as items, sum(amount) as amount, max(age_days) as oldest_days
    from marts.rpt_unbilled_backlog where currency_code = ? group by all order by backlog_reason"""

BACKLOG_AGING = f"""
    select {AGING_BUCKET} as age, backlog_reason, count(*) as items, sum(amount) as amount
    from marts.rpt_unbilled_backlog where currency_code = ? group by all order by min(age_days), backlog_reason"""

BACKLOG_ITEMS = """
    select b.age_days, b.amount, b.currency_code, b.backlog_reason, b.next_run_date, b.usage_date, c.customer_name,
           w.work_order_number, p.project_name, b.item_kind, b.item_id, b.invoice_id
    from marts.rpt_unbilled_backlog as b
    left join marts.dim_customers as c on c.customer_id = b.customer_id
    left join marts.dim_work_orders as w on w.work_order_id = b.work_order_id
    left join marts.dim_projects as p on p.project_id = b.project_id
    where b.currency_code = ?
    order by b.age_days desc, b.amount desc, b.item_id"""

# SPEC §3.2: where used lines are stuck (all currencies: the amount at risk per currency)
BACKLOG_BLOCKED_LINES = """
    select stage, blocked_by, currency_code, count(*) as lines, sum(amount_at_risk) as amount_at_risk,
           max(age_days) as oldest_days
    from marts.rpt_line_completeness where blocked_by is not null group by all order by stage, blocked_by, 3"""

# --- Profitability and estimate vs actual (accounting currency) ---------------------------------------------------

LEGAL_ENTITIES = "select legal_entity, accounting_currency_code from marts.dim_legal_entities order by 1"

# level → (report, its key columns shown first)
PROFITABILITY_LEVELS = {
    "Work order": ("rpt_work_order_profitability", "work_order_number, system_status, project_name, billing_method"),
    "Project": ("rpt_project_profitability", "project_name, billing_method, work_orders"),
    "Customer": ("rpt_customer_profitability", "customer_name, account_number, projects, work_orders"),
}

MONEY_COLUMNS = ("estimated_cost", "estimated_sales", "estimated_margin", "actual_cost", "actual_sales",
                 "actual_margin")


def _null_if_partial(column: str) -> str:
    # a total is NULL while any of its rows lacks an exchange rate, never a partial sum
    return f"case when count(*) = count({column}) then sum({column}) end as {column}"


def profitability_rows(level: str) -> str:
    report, keys = PROFITABILITY_LEVELS[level]
    return f"""
    select {keys}, {', '.join(MONEY_COLUMNS)}, actual_margin_percent, accounting_currency_code,
           cost_currency_code, actual_cost_transaction, sales_currency_code, actual_sales_transaction,
           amounts_without_exchange_rate
    from marts.{report} where legal_entity = ?
    order by actual_margin desc nulls last, {keys.split(',')[0]}"""


def profitability_totals(level: str) -> str:
    report, _ = PROFITABILITY_LEVELS[level]
    return f"""
    select count(*) as rows, {', '.join(_null_if_partial(c) for c in MONEY_COLUMNS)},
           sum(amounts_without_exchange_rate) as amounts_without_exchange_rate
    from marts.{report} where legal_entity = ?"""


ESTIMATE_VS_ACTUAL_TOTALS = f"""
    select count(*) as lines, {', '.join(_null_if_partial(c) for c in (
        'estimated_cost', 'actual_cost', 'cost_variance', 'estimated_sales', 'actual_sales', 'sales_variance'))}
    from marts.rpt_estimate_vs_actual where legal_entity = ?"""

ESTIMATE_VS_ACTUAL_BY_PROJECT = """
    select p.project_name, sum(e.estimated_cost) as estimated_cost, sum(e.actual_cost) as actual_cost,
           sum(e.estimated_sales) as estimated_sales, sum(e.actual_sales) as actual_sales
    from marts.rpt_estimate_vs_actual as e left join marts.dim_projects as p on p.project_id = e.project_id
    where e.legal_entity = ? group by all having count(*) = count(e.actual_cost) and count(*) = count(e.actual_sales)
    order by p.project_name"""

ESTIMATE_VS_ACTUAL_LINES = """
    select w.work_order_number, e.line_type, pr.product_name, e.line_status, e.billing_method,
           e.estimated_quantity, e.actual_quantity, e.estimated_cost, e.actual_cost, e.cost_variance,
           e.estimated_sales, e.actual_sales, e.sales_variance, e.accounting_currency_code,
           e.amounts_without_exchange_rate, e.work_order_line_id
    from marts.rpt_estimate_vs_actual as e
    left join marts.dim_work_orders as w on w.work_order_id = e.work_order_id
    left join marts.dim_products as pr on pr.product_id = e.product_id
    where e.legal_entity = ?
    order by abs(e.cost_variance) desc nulls first, e.work_order_line_id"""

# --- Invoices (posted customer invoices, R26) --------------------------------------------------------------------

INVOICE_TOTALS = """
    select currency_code, count(*) as invoices, sum(net_amount) as net_amount, sum(tax_amount) as tax_amount,
           sum(total_amount) as total_amount
    from marts.fct_customer_invoices group by 1 order by 1"""

INVOICES_PER_MONTH = """
    select period, currency_code, count(*) as invoices, sum(total_amount) as total_amount
    from marts.fct_customer_invoices group by all order by period, currency_code"""

INVOICE_LIST = """
    select i.invoice_number, i.invoice_date, i.legal_entity, c.customer_name, i.currency_code, i.net_amount,
           i.tax_amount, i.total_amount, i.accounting_currency_code, i.total_amount_accounting, i.line_count,
           i.invoice_id
    from marts.fct_customer_invoices as i left join marts.dim_customers as c on c.customer_id = i.customer_id
    order by i.invoice_date desc, i.invoice_number"""

INVOICE_LINES = """
    select l.billing_method, l.net_amount, l.tax_rate_percent, l.tax_amount, l.total_amount, l.currency_code,
           l.net_amount_accounting, l.tax_amount_accounting, l.contract_line_id, l.customer_invoice_line_id
    from marts.fct_customer_invoice_lines as l where l.invoice_number = ? order by l.customer_invoice_line_id"""

PROFORMA_STATUS = """
    select status, currency_code, count(*) as invoices, sum(total_amount) as total_amount
    from marts.fct_proforma_invoices group by all order by status, currency_code"""

# --- Data quality (R4) -------------------------------------------------------------------------------------------

REJECTED_BY_REASON = """
    select reason_code, stage, count(*) as rows, count(distinct table_name) as tables
    from marts.rpt_rejected_rows group by all order by rows desc, reason_code, stage"""

REJECTED_ROWS = """
    select table_name, file_name, row_number, record_id, reason_code, reason, raw_row, stage, load_id
    from marts.rpt_rejected_rows where reason_code = ? order by table_name, file_name, row_number"""

IGNORED_FILES = """
    select file_name, reason_code, reason, file_bytes, load_id from marts.rpt_ignored_files order by file_name"""

# --- Trace (SPEC §3.1) -------------------------------------------------------------------------------------------

TRACE_WORK_ORDERS = """
    select w.work_order_id, w.work_order_number, w.legal_entity, p.project_name
    from marts.dim_work_orders as w left join marts.dim_projects as p on p.project_id = w.project_id
    where not w.is_deleted or w.work_order_id in (select work_order_id from marts.fct_trace)
    order by w.work_order_number"""

TRACE_HEADER = """
    select w.work_order_number, w.system_status, w.legal_entity, w.currency_code, p.project_name, p.billing_method,
           c.customer_name, w.created_at, w.completed_at
    from marts.dim_work_orders as w
    left join marts.dim_projects as p on p.project_id = w.project_id
    left join marts.dim_customers as c on c.customer_id = w.billing_account_id
    where w.work_order_id = ?"""

TRACE_MULS = """
    select m.usage_date, m.line_type, pr.product_name, m.revision, m.cost_quantity, m.cost_amount,
           m.cost_currency_code, m.sales_quantity, m.sales_amount, m.sales_currency_code, m.approval_status,
           m.price_source, m.cost_source, m.work_order_line_id, m.mul_id
    from marts.fct_material_usage_logs as m left join marts.dim_products as pr on pr.product_id = m.product_id
    where m.work_order_id = ? order by m.usage_date, m.work_order_line_id, m.revision, m.mul_id"""

TRACE_ACTUALS = """
    select accounting_date, transaction_type, billing_type, billing_status, adjustment_status, reversal_reason,
           quantity, amount, currency_code, invoice_id, work_order_line_id, actual_id, reverses_actual_id, mul_id
    from marts.fct_project_actuals where work_order_id = ?
    order by accounting_date, work_order_line_id, created_at, actual_id"""

TRACE_ACTUAL_TOTALS = """
    select transaction_type, currency_code, count(*) as actuals, sum(amount) as amount
    from marts.fct_project_actuals where work_order_id = ? group by all order by 1, 2"""

TRACE_INVOICES = """
    select i.invoice_number, i.invoice_date, d.currency_code, count(*) as items, sum(d.net_amount) as net_amount,
           sum(d.tax_amount) as tax_amount, sum(d.total_amount) as total_amount, d.accounting_currency_code,
           sum(d.net_amount_accounting) as net_amount_accounting, i.invoice_id
    from marts.fct_customer_invoice_line_details as d
    join marts.fct_customer_invoices as i on i.invoice_id = d.invoice_id
    where d.work_order_id = ? group by all order by i.invoice_date, i.invoice_number"""

TRACE_GL = """
    select g.accounting_date, g.voucher, g.main_account, a.account_name, g.posting_type, g.debit_amount,
           g.credit_amount, g.accounting_currency_code, g.source_type, g.original_accounting_date,
           g.work_order_line_id, g.actual_id, g.invoice_id, g.gl_entry_id
    from marts.fct_gl_entries as g
    left join (select distinct legal_entity, main_account, account_name from marts.dim_main_accounts) as a
           on a.legal_entity = g.legal_entity and a.main_account = g.main_account
    where g.work_order_id = ? order by g.accounting_date, g.voucher, g.gl_entry_id"""

TRACE_GL_TOTALS = """
    select accounting_currency_code, count(*) as legs, sum(debit_amount) as debit, sum(credit_amount) as credit
    from marts.fct_gl_entries where work_order_id = ? group by 1 order by 1"""

TRACE_COMPLETENESS = """
    select stage, blocked_by, amount_at_risk, currency_code, age_days, work_order_line_id
    from marts.rpt_line_completeness where work_order_id = ? order by stage_number, work_order_line_id"""

TRACE_CHAIN = """
    select chain_id, chain_kind, step, link, from_kind, from_id, to_kind, to_id, amount, currency_code,
           debit_amount, credit_amount, accounting_currency_code, main_account, voucher, export_batch_id
    from marts.fct_trace where work_order_id = ? order by chain_id, step, trace_link_id"""
