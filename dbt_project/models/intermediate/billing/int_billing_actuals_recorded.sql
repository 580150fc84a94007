-- R22 (append-only, I9): what confirming a proforma creates, dated on its run date and created when confirmed —
-- for each billed unbilled-sales actual a negative unbilled-sales reversal (not sent to Finance: skip sync) and a
-- billed-sales actual for the same amount; for each milestone a billed-sales actual of class milestone.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}

with details as (
    select details.*, confirmations.confirmed_at
    from {{ ref('int_invoice_line_details_recorded') }} as details
    inner join {{ ref('int_invoice_confirmations') }} as confirmations
        on details.invoice_id = confirmations.invoice_id
    where confirmations.invoice_status = 'confirmed'
),

billed as (
    select
        details.*,
        actuals.journal_line_id,
        actuals.mul_id,
        actuals.work_order_line_id,
        actuals.revision,
        actuals.work_order_id,
        actuals.project_id,
        actuals.billing_method
    from details
    left join {{ ref('int_project_actuals_recorded') }} as actuals
        on details.actual_id = actuals.actual_id
),

created as (
    select
        {{ hash_id(['invoice_line_detail_id', "'confirmation_reversal'"]) }} as actual_id,
        invoice_line_detail_id,
        invoice_id,
        journal_line_id,
        mul_id,
        work_order_line_id,
        revision,
        work_order_id,
        project_id,
        contract_id,
        contract_line_id,
        customer_id,
        legal_entity,
        'unbilled_sales' as transaction_type,
        transaction_class,
        billing_type,
        billing_method,
        actual_id as reverses_actual_id,
        'invoice_confirmation' as reversal_reason,
        -quantity as quantity,
        unit_price,
        -amount as amount,
        currency_code,
        run_date as transaction_date,
        run_date as accounting_date,
        confirmed_at as created_at
    from billed
    where item_kind = 'actual'
    union all
    select
        {{ hash_id(['invoice_line_detail_id', "'billed_sales'"]) }},
        invoice_line_detail_id,
        invoice_id,
        journal_line_id,
        mul_id,
        work_order_line_id,
        revision,
        work_order_id,
        project_id,
        contract_id,
        contract_line_id,
        customer_id,
        legal_entity,
        'billed_sales',
        transaction_class,
        billing_type,
        coalesce(billing_method, 'fixed_price'),
        cast(null as varchar),
        cast(null as varchar),
        quantity,
        unit_price,
        amount,
        currency_code,
        run_date,
        run_date,
        confirmed_at
    from billed
)

select * from created
{% if is_incremental() %}
where actual_id not in (select actual_id from {{ this }})
{% endif %}
