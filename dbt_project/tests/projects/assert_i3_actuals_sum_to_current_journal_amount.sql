-- I3: per work order line and transaction type, the actuals of class material (originals and line-change
-- reversals) sum to the journal amount of the line's current revision when that revision is an approved MUL,
-- and to zero otherwise (pending, rejected, held back, or no longer in use). Returns the lines that differ.
{{ config(meta={'dagster': {'ref': {'name': 'fct_project_actuals'}}}) }}

with latest_revisions as (
    select work_order_line_id, max(revision) as revision
    from {{ ref('int_line_revisions_recorded') }}
    group by work_order_line_id
),

expected as (
    select
        journal.work_order_line_id,
        journal.transaction_type,
        sum(journal.amount) as amount
    from {{ ref('fct_project_journal_lines') }} as journal
    inner join {{ ref('fct_material_usage_logs') }} as muls
        on journal.mul_id = muls.mul_id
    inner join latest_revisions
        on muls.work_order_line_id = latest_revisions.work_order_line_id
        and muls.revision = latest_revisions.revision
    where journal.approval_status = 'approved'
    group by journal.work_order_line_id, journal.transaction_type
),

actual as (
    select work_order_line_id, transaction_type, sum(amount) as amount
    from {{ ref('fct_project_actuals') }}
    where transaction_class = 'material' and coalesce(reversal_reason, '') <> 'invoice_confirmation'
        and transaction_type in ('cost', 'unbilled_sales')
    group by work_order_line_id, transaction_type
)

select
    coalesce(expected.work_order_line_id, actual.work_order_line_id) as work_order_line_id,
    coalesce(expected.transaction_type, actual.transaction_type) as transaction_type,
    expected.amount as expected_amount,
    actual.amount as actual_amount
from expected
full outer join actual
    on expected.work_order_line_id = actual.work_order_line_id
    and expected.transaction_type = actual.transaction_type
where coalesce(expected.amount, 0) <> coalesce(actual.amount, 0)
