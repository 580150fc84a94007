-- R17–R19, R22: one row per project actual — the usage ledger (costs, unbilled sales, their line-change
-- reversals) and the billing ledger (confirmation reversals, billed sales) — append-only (I9), with the
-- statuses the rules give it: adjustment status (R18), billing status and invoice (R21–R22), NTE status (R19),
-- skip sync (R22/R24).
with actuals as (
    select
        actual_id, journal_line_id, mul_id, work_order_line_id, work_order_id, project_id, contract_id,
        contract_line_id, customer_id, legal_entity, transaction_type, transaction_class, billing_type,
        reverses_actual_id, reversal_reason, quantity, unit_price, amount, currency_code, transaction_date,
        accounting_date, created_at,
        cast(null as varchar) as invoice_id
    from {{ ref('int_project_actuals_recorded') }}
    union all
    select
        actual_id, journal_line_id, mul_id, work_order_line_id, work_order_id, project_id, contract_id,
        contract_line_id, customer_id, legal_entity, transaction_type, transaction_class, billing_type,
        reverses_actual_id, reversal_reason, quantity, unit_price, amount, currency_code, transaction_date,
        accounting_date, created_at,
        invoice_id
    from {{ ref('int_billing_actuals_recorded') }}
),

usage_reversed as (
    select distinct reverses_actual_id as actual_id
    from actuals
    where reversal_reason in ('line_change', 'approval_withdrawn')
),

on_invoices as (
    select details.actual_id, details.invoice_id, confirmations.invoice_status
    from {{ ref('int_invoice_line_details_recorded') }} as details
    inner join {{ ref('int_invoice_confirmations') }} as confirmations
        on details.invoice_id = confirmations.invoice_id
    where details.actual_id is not null
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
        when actuals.transaction_type = 'cost' then null
        when actuals.transaction_type = 'billed_sales' or actuals.reversal_reason = 'invoice_confirmation'
            then 'customer_invoice_posted'
        when on_invoices.invoice_status = 'confirmed' then 'customer_invoice_posted'
        when on_invoices.invoice_status = 'draft' then 'customer_invoice_created'
        -- R18: the reversal of a billed actual waits to be billed as a credit
        when actuals.reversal_reason in ('line_change', 'approval_withdrawn') and reversed_on_invoice.actual_id is not null
            then 'unbilled_sales_created'
        when actuals.reversal_reason in ('line_change', 'approval_withdrawn') or usage_reversed.actual_id is not null then 'canceled'
        else 'unbilled_sales_created'
    end as billing_status,
    case
        when actuals.reversal_reason in ('line_change', 'approval_withdrawn') then 'unadjustable'
        when usage_reversed.actual_id is not null then 'adjusted'
    end as adjustment_status,
    actuals.reverses_actual_id,
    actuals.reversal_reason,
    case
        when actuals.transaction_type <> 'unbilled_sales' or actuals.reversal_reason = 'invoice_confirmation'
            then 'not_applicable'
        else coalesce(nte.nte_status, 'not_applicable')
    end as nte_status,
    coalesce(actuals.invoice_id, on_invoices.invoice_id) as invoice_id,
    coalesce(actuals.reversal_reason = 'invoice_confirmation', false) as is_skip_sync,
    cast(actuals.quantity as decimal(18, 4)) as quantity,
    cast(actuals.unit_price as decimal(18, 4)) as unit_price,
    cast(actuals.amount as decimal(18, 2)) as amount,
    actuals.currency_code,
    actuals.transaction_date,
    actuals.accounting_date,
    actuals.created_at
from actuals
left join usage_reversed
    on actuals.actual_id = usage_reversed.actual_id
left join on_invoices
    on actuals.actual_id = on_invoices.actual_id
left join on_invoices as reversed_on_invoice
    on actuals.reverses_actual_id = reversed_on_invoice.actual_id
left join nte
    on actuals.actual_id = nte.actual_id
