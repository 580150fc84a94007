-- R25 posting document "unbilled sales actual" (one model per posting document; the GL is their union,
-- int_gl_postings): every unbilled sales line of the integration journal whose posting profile accrues revenue
-- (T&M) books, at its accounting amount,
--   Dr wip_sales_value / Cr accrued_revenue
-- (the invoice clears it again, int_customer_invoices_posted). Without accrual an unbilled sales line posts nothing.
-- A negative line (a reversal) books the same legs with the sides swapped (macro booked_side).
with unbilled_sales_lines as (
    select
        'integration_journal' as source_type,
        integration_line_id as source_id,
        voucher,
        legal_entity,
        accounting_date,
        coalesce(original_accounting_date, accounting_date) as original_accounting_date,
        project_id,
        work_order_id,
        work_order_line_id,
        contract_line_id,
        actual_id,
        amount_accounting
    from {{ ref('int_integration_journal_lines_recorded') }}
    where transaction_type = 'unbilled_sales' and accrues_revenue
),

debit_wip_sales_value as (
    select
        unbilled_sales_lines.*, 'wip_sales_value' as posting_type, 'debit' as side, amount_accounting as amount,
        1 as leg_order
    from unbilled_sales_lines
),

credit_accrued_revenue as (
    select
        unbilled_sales_lines.*, 'accrued_revenue' as posting_type, 'credit' as side, amount_accounting as amount,
        2 as leg_order
    from unbilled_sales_lines
),

legs as (
    select * from debit_wip_sales_value
    union all
    select * from credit_accrued_revenue
)

select
    source_type,
    source_id,
    voucher,
    legal_entity,
    accounting_date,
    original_accounting_date,
    project_id,
    work_order_id,
    work_order_line_id,
    contract_line_id,
    actual_id,
    posting_type,
    {{ booked_side('side', 'amount') }} as side,
    cast(abs(amount) as decimal(18, 2)) as amount,
    leg_order
from legs
where amount <> 0
