-- R26 posting document "customer invoice", per invoice line detail (SPEC §3.1, D-T1; one model per posting
-- document, the GL is their union, int_gl_postings). Each detail books, in accounting currency (D-T2 split),
--   Dr customer_balance (net + tax)
--   Cr invoiced_revenue (T&M) or wip_invoiced_on_account (fixed price) (net)
--   Cr sales_tax_payable (tax)
-- and, when its profile accrues revenue, clears the accrual of the billed item at the amount it was posted with
--   Dr accrued_revenue / Cr wip_sales_value
-- The customer balance is the sum of the credit legs, so each detail's legs (and the voucher) balance exactly.
-- A negative detail (a credit) books the same legs with the sides swapped (macro booked_side).
with details as (
    select
        'customer_invoice' as source_type,
        customer_invoice_line_detail_id as source_id,
        invoice_number as voucher,
        legal_entity,
        invoice_date as accounting_date,
        invoice_date as original_accounting_date,
        project_id,
        work_order_id,
        work_order_line_id,
        contract_line_id,
        actual_id,
        invoice_id,
        customer_invoice_line_detail_id as invoice_line_detail_id,
        milestone_id,
        billing_method,
        accrues_revenue,
        net_amount_accounting,
        tax_amount_accounting,
        accrual_to_reverse_accounting
    from {{ ref('int_customer_invoice_line_details_recorded') }}
),

debit_customer_balance as (
    select
        details.*, 'customer_balance' as posting_type, 'debit' as side,
        net_amount_accounting + tax_amount_accounting as amount, 1 as leg_order
    from details
),

credit_revenue as (
    select
        details.*,
        case when billing_method = 'fixed_price' then 'wip_invoiced_on_account' else 'invoiced_revenue' end
            as posting_type,
        'credit' as side, net_amount_accounting as amount, 2 as leg_order
    from details
),

credit_sales_tax_payable as (
    select
        details.*, 'sales_tax_payable' as posting_type, 'credit' as side, tax_amount_accounting as amount,
        3 as leg_order
    from details
),

debit_accrued_revenue as (
    select
        details.*, 'accrued_revenue' as posting_type, 'debit' as side, accrual_to_reverse_accounting as amount,
        4 as leg_order
    from details
    where accrues_revenue
),

credit_wip_sales_value as (
    select
        details.*, 'wip_sales_value' as posting_type, 'credit' as side, accrual_to_reverse_accounting as amount,
        5 as leg_order
    from details
    where accrues_revenue
),

legs as (
    select * from debit_customer_balance
    union all
    select * from credit_revenue
    union all
    select * from credit_sales_tax_payable
    union all
    select * from debit_accrued_revenue
    union all
    select * from credit_wip_sales_value
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
    invoice_id,
    invoice_line_detail_id,
    milestone_id,
    posting_type,
    {{ booked_side('side', 'amount') }} as side,
    cast(abs(amount) as decimal(18, 2)) as amount,
    leg_order
from legs
where amount <> 0
