-- R25 posting document "cost actual" (one model per posting document; the GL is their union, int_gl_postings):
-- every cost line of the integration journal books, at its accounting amount (every posting profile),
--   Dr project_cost / Cr cost_item
-- A negative line (a reversal) books the same legs with the sides swapped (macro booked_side).
with cost_lines as (
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
    where transaction_type = 'cost'
),

debit_project_cost as (
    select cost_lines.*, 'project_cost' as posting_type, 'debit' as side, amount_accounting as amount, 1 as leg_order
    from cost_lines
),

credit_cost_item as (
    select cost_lines.*, 'cost_item' as posting_type, 'credit' as side, amount_accounting as amount, 2 as leg_order
    from cost_lines
),

legs as (
    select * from debit_project_cost
    union all
    select * from credit_cost_item
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
