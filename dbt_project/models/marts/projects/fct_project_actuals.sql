-- R17–R19: one row per project actual (append-only ledger, I9), with the statuses the rules give it:
-- adjustment status (adjusted originals, unadjustable reversals, R18), billing status and not-to-exceed status
-- (R19, fixed when evaluated).
with actuals as (
    select * from {{ ref('int_project_actuals_recorded') }}
),

reversed as (
    select distinct reverses_actual_id as actual_id
    from actuals
    where reversal_reason = 'line_change'
),

nte as (
    select actual_id, nte_status from {{ ref('int_unbilled_sales_nte_evaluated') }}
)

select
    actuals.actual_id,
    actuals.journal_line_id,
    actuals.mul_id,
    actuals.work_order_line_id,
    actuals.work_order_id,
    actuals.project_id,
    actuals.contract_id,
    actuals.contract_line_id,
    actuals.customer_id,
    actuals.legal_entity,
    actuals.transaction_type,
    actuals.transaction_class,
    actuals.billing_type,
    case
        when actuals.transaction_type <> 'unbilled_sales' then null
        when actuals.reversal_reason = 'line_change' or reversed.actual_id is not null then 'canceled'
        else 'unbilled_sales_created'
    end as billing_status,
    case
        when actuals.reversal_reason = 'line_change' then 'unadjustable'
        when reversed.actual_id is not null then 'adjusted'
    end as adjustment_status,
    actuals.reverses_actual_id,
    actuals.reversal_reason,
    case
        when actuals.transaction_type <> 'unbilled_sales' then 'not_applicable'
        else coalesce(nte.nte_status, 'not_evaluated')
    end as nte_status,
    cast(null as varchar) as invoice_id,
    cast(actuals.quantity as decimal(18, 4)) as quantity,
    cast(actuals.unit_price as decimal(18, 4)) as unit_price,
    cast(actuals.amount as decimal(18, 2)) as amount,
    actuals.currency_code,
    actuals.transaction_date,
    actuals.accounting_date,
    actuals.created_at
from actuals
left join reversed
    on actuals.actual_id = reversed.actual_id
left join nte
    on actuals.actual_id = nte.actual_id
