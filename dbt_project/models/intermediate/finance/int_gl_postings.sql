-- R25: the GL postings — every leg (event × posting type × side) of every posting document, before main accounts,
-- as the union by column name of one double-entry model per posting document (their headers state each rule):
--   int_cost_actuals_posted          cost actual             Dr project_cost / Cr cost_item
--   int_unbilled_sales_posted        unbilled sales actual   Dr wip_sales_value / Cr accrued_revenue (accruing T&M)
--   int_customer_invoices_posted     invoice line detail     Dr customer_balance / Cr invoiced_revenue or
--                                                            wip_invoiced_on_account / Cr sales_tax_payable, and
--                                                            Dr accrued_revenue / Cr wip_sales_value (accruing T&M)
--   int_revenue_recognition_posted   revenue recognition     Dr wip_sales_value / Cr accrued_revenue (fixed price)
-- Amounts are positive; a negative event booked its legs with the sides swapped. A leg without a work order line,
-- actual, invoice or milestone (it is not that document's) has NULL there.
with postings as (
    {{ union_by_name([
        ref('int_cost_actuals_posted'),
        ref('int_unbilled_sales_posted'),
        ref('int_customer_invoices_posted'),
        ref('int_revenue_recognition_posted'),
    ]) }}
)

-- SPEC §3.3: an event dated in a closed period posts on the first open date and keeps its own date as
-- original_accounting_date (an integration journal line is already dated so, int_integration_journal_candidates:
-- recorded in the same run, its date is open and stays as it is)
select
    postings.source_type,
    postings.source_id,
    postings.voucher,
    postings.legal_entity,
    {{ posting_date('postings.accounting_date') }} as accounting_date,
    postings.original_accounting_date,
    postings.project_id,
    postings.work_order_id,
    postings.work_order_line_id,
    postings.contract_line_id,
    postings.actual_id,
    postings.invoice_id,
    postings.invoice_line_detail_id,
    postings.milestone_id,
    postings.posting_type,
    postings.side,
    postings.amount,
    postings.leg_order
from postings
left join {{ ref('int_closed_periods') }} as closed
    on postings.legal_entity = closed.legal_entity
