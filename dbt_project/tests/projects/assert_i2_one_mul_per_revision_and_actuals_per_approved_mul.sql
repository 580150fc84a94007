-- I2: every usage revision that is not held back has its MUL (unless a later MUL of the line was recorded first),
-- and every approved MUL has exactly one standing cost actual (not reversed), plus exactly one standing
-- unbilled-sales actual when its contract line is chargeable time and material, none otherwise — unless a later
-- revision of its line reversed them (R18); a MUL that is not approved has none standing (R17: a withdrawn
-- approval reverses them). Returns the offending MULs or revisions.
{{ config(meta={'dagster': {'ref': {'name': 'fct_project_actuals'}}}) }}

with missing_muls as (
    select priced.mul_id, 'usage revision without a MUL' as problem
    from {{ ref('int_material_usage_logs_priced') }} as priced
    left join {{ ref('int_material_usage_logs_recorded') }} as muls
        on priced.mul_id = muls.mul_id
    where muls.mul_id is null
        and priced.hold_reason is null
        and not exists (
            select 1 from {{ ref('int_material_usage_logs_recorded') }} as later
            where later.work_order_line_id = priced.work_order_line_id and later.revision > priced.revision
        )
),

latest_revisions as (
    select work_order_line_id, max(revision) as revision
    from {{ ref('int_line_revisions_recorded') }}
    group by work_order_line_id
),

originals as (
    select
        mul_id,
        count(case when transaction_type = 'cost' then 1 end) as cost_actuals,
        count(case when transaction_type = 'unbilled_sales' then 1 end) as unbilled_actuals
    from {{ ref('fct_project_actuals') }} as actuals
    where transaction_class = 'material' and reverses_actual_id is null
        and not exists (
            select 1 from {{ ref('fct_project_actuals') }} as reversals
            where reversals.reverses_actual_id = actuals.actual_id
                and reversals.reversal_reason in ('line_change', 'approval_withdrawn')
        )
    group by mul_id
),

wrong_actuals as (
    select
        muls.mul_id,
        muls.approval_status || ' MUL with ' || cast(coalesce(originals.cost_actuals, 0) as varchar) || ' cost and '
            || cast(coalesce(originals.unbilled_actuals, 0) as varchar) || ' unbilled-sales actuals standing' as problem
    from {{ ref('fct_material_usage_logs') }} as muls
    inner join latest_revisions
        on muls.work_order_line_id = latest_revisions.work_order_line_id
    left join originals
        on muls.mul_id = originals.mul_id
    where coalesce(originals.cost_actuals, 0) <> case
            when muls.approval_status = 'approved' and muls.revision = latest_revisions.revision then 1 else 0 end
        or coalesce(originals.unbilled_actuals, 0) <> case
            when muls.approval_status = 'approved' and muls.revision = latest_revisions.revision
                and muls.billing_type = 'chargeable' and muls.billing_method = 'time_and_material' then 1 else 0
        end
)

select * from missing_muls
union all
select * from wrong_actuals
