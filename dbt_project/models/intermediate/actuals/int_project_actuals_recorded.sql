-- R17–R18 actuals ledger (append-only, I9): every approved journal line becomes one actual (same amounts,
-- transaction and accounting date = usage date, created when approved). When a later revision of the line
-- exists — a changed line, set back to Estimated, deleted, work order canceled or moved — each actual of the
-- earlier revision gets one reversal (negated quantity and amount, reverses_actual_id), keeping its transaction
-- date, dated (accounting date, created_at) at the change. A run adds only actuals whose id is new.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}

with muls as (
    select * from {{ ref('int_material_usage_logs_recorded') }}
),

originals as (
    select
        {{ hash_id(['journal.journal_line_id', "'actual'"]) }} as actual_id,
        journal.journal_line_id,
        journal.mul_id,
        muls.work_order_line_id,
        muls.revision,
        muls.work_order_id,
        muls.project_id,
        muls.contract_id,
        muls.contract_line_id,
        muls.customer_id,
        muls.legal_entity,
        journal.transaction_type,
        'material' as transaction_class,
        muls.billing_type,
        muls.billing_method,
        cast(null as varchar) as reverses_actual_id,
        cast(null as varchar) as reversal_reason,
        journal.quantity,
        journal.unit_price,
        journal.amount,
        journal.currency_code,
        muls.usage_date as transaction_date,
        muls.usage_date as accounting_date,
        journal.decided_at as created_at
    from {{ ref('int_project_journal_lines') }} as journal
    inner join muls
        on journal.mul_id = muls.mul_id
    where journal.approval_status = 'approved'
),

next_revisions as (
    select
        originals.actual_id,
        min(later.revision) as next_revision
    from originals
    inner join {{ ref('int_line_revisions_recorded') }} as later
        on originals.work_order_line_id = later.work_order_line_id
        and later.revision > originals.revision
    group by originals.actual_id
),

reversals as (
    select
        {{ hash_id(['originals.actual_id', "'reversal'"]) }} as actual_id,
        originals.journal_line_id,
        originals.mul_id,
        originals.work_order_line_id,
        originals.revision,
        originals.work_order_id,
        originals.project_id,
        originals.contract_id,
        originals.contract_line_id,
        originals.customer_id,
        originals.legal_entity,
        originals.transaction_type,
        originals.transaction_class,
        originals.billing_type,
        originals.billing_method,
        originals.actual_id as reverses_actual_id,
        'line_change' as reversal_reason,
        -originals.quantity as quantity,
        originals.unit_price,
        -originals.amount as amount,
        originals.currency_code,
        originals.transaction_date,
        cast(greatest(originals.created_at, later.effective_at) as date) as accounting_date,
        greatest(originals.created_at, later.effective_at) as created_at
    from originals
    inner join next_revisions
        on originals.actual_id = next_revisions.actual_id
    inner join {{ ref('int_line_revisions_recorded') }} as later
        on originals.work_order_line_id = later.work_order_line_id
        and next_revisions.next_revision = later.revision
),

candidates as (
    select * from originals
    union all
    select * from reversals
)

select candidates.*
from candidates
{% if is_incremental() %}
where not exists (select 1 from {{ this }} as recorded where recorded.actual_id = candidates.actual_id)
{% endif %}
