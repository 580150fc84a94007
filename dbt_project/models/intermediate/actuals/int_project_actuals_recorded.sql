-- R17–R18 actuals ledger (append-only, I9): every approved journal line becomes one actual per approved stretch
-- of its MUL (same amounts, transaction and accounting date = usage date, created when approved). An actual is
-- reversed once (negated quantity and amount, reverses_actual_id, keeping its transaction date, dated at the
-- cause): by the first of a later revision of the line (line_change: changed, Estimated again, deleted, work order
-- canceled or moved) and the end of its approval (approval_withdrawn: Rejected after Approved, or deleted).
-- A run adds only actuals whose id is new, so an actual is never reversed twice.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}

{%- set actual_columns = 'actual_id, journal_line_id, mul_id, work_order_line_id, revision, work_order_id, '
    ~ 'project_id, contract_id, contract_line_id, customer_id, legal_entity, transaction_type, transaction_class, '
    ~ 'billing_type, billing_method, reverses_actual_id, reversal_reason, quantity, unit_price, amount, '
    ~ 'currency_code, transaction_date, accounting_date, created_at' %}

-- each approved stretch of a MUL, with what its actuals take from the MUL (line, revision, project, contract…)
with approved as (
    select * from {{ ref('int_material_usage_log_approval_episodes') }}
),

next_revisions as (
    select
        muls.mul_id,
        min(later.effective_at) as next_revision_at
    from (select distinct mul_id, work_order_line_id, revision from approved) as muls
    inner join {{ ref('int_line_revisions_recorded') }} as later
        on muls.work_order_line_id = later.work_order_line_id
        and later.revision > muls.revision
    group by muls.mul_id
),

-- a stretch after the first creates actuals only while its revision is still the line's latest
episodes as (
    select episodes.*, next_revisions.next_revision_at
    from approved as episodes
    left join next_revisions
        on episodes.mul_id = next_revisions.mul_id
    where episodes.approval_episode = 1
        or next_revisions.next_revision_at is null
        or episodes.approved_at < next_revisions.next_revision_at
),

originals as (
    select
        case when episodes.approval_episode = 1
            then {{ hash_id(['journal.journal_line_id', "'actual'"]) }}
            else {{ hash_id(['journal.journal_line_id', "'actual'", 'episodes.approval_episode']) }}
        end as actual_id,
        journal.journal_line_id,
        journal.mul_id,
        episodes.work_order_line_id,
        episodes.revision,
        episodes.work_order_id,
        episodes.project_id,
        episodes.contract_id,
        episodes.contract_line_id,
        episodes.customer_id,
        episodes.legal_entity,
        journal.transaction_type,
        'material' as transaction_class,
        episodes.billing_type,
        episodes.billing_method,
        cast(null as varchar) as reverses_actual_id,
        cast(null as varchar) as reversal_reason,
        journal.quantity,
        journal.unit_price,
        journal.amount,
        journal.currency_code,
        episodes.usage_date as transaction_date,
        episodes.usage_date as accounting_date,
        episodes.approved_at as created_at,
        episodes.withdrawn_at,
        episodes.next_revision_at
    from {{ ref('int_project_journal_lines') }} as journal
    inner join episodes
        on journal.mul_id = episodes.mul_id
),

-- the first cause ends the actual: its approval withdrawn, or the line's next revision
ends as (
    select
        actual_id,
        case
            when withdrawn_at is not null
                and (next_revision_at is null or withdrawn_at < greatest(created_at, next_revision_at))
                then 'approval_withdrawn'
            when next_revision_at is not null then 'line_change'
        end as reversal_reason,
        case
            when withdrawn_at is not null
                and (next_revision_at is null or withdrawn_at < greatest(created_at, next_revision_at))
                then withdrawn_at
            else greatest(created_at, next_revision_at)
        end as reversed_at
    from originals
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
        ends.reversal_reason,
        -originals.quantity as quantity,
        originals.unit_price,
        -originals.amount as amount,
        originals.currency_code,
        originals.transaction_date,
        cast(ends.reversed_at as date) as accounting_date,
        ends.reversed_at as created_at
    from originals
    inner join ends
        on originals.actual_id = ends.actual_id
    where ends.reversal_reason is not null
),

candidates as (
    select {{ actual_columns }} from originals
    union all
    select {{ actual_columns }} from reversals
)

select candidates.*
from candidates
{% if is_incremental() %}
where not exists (select 1 from {{ this }} as recorded where recorded.actual_id = candidates.actual_id)
{% endif %}
