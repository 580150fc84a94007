-- I2: every usage revision that is not held back has its MUL (unless a later MUL of the line was recorded first),
-- and every approved MUL has exactly one cost actual, plus exactly one unbilled-sales actual when its contract
-- line is chargeable time and material, none otherwise. Returns the offending MULs or revisions.
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

originals as (
    select
        mul_id,
        count(case when transaction_type = 'cost' then 1 end) as cost_actuals,
        count(case when transaction_type = 'unbilled_sales' then 1 end) as unbilled_actuals
    from {{ ref('fct_project_actuals') }}
    where transaction_class = 'material' and reverses_actual_id is null
    group by mul_id
),

wrong_actuals as (
    select
        muls.mul_id,
        'approved MUL with ' || cast(coalesce(originals.cost_actuals, 0) as varchar) || ' cost and '
            || cast(coalesce(originals.unbilled_actuals, 0) as varchar) || ' unbilled-sales actuals' as problem
    from {{ ref('fct_material_usage_logs') }} as muls
    left join originals
        on muls.mul_id = originals.mul_id
    where muls.approval_status = 'approved'
        and (
            coalesce(originals.cost_actuals, 0) <> 1
            or coalesce(originals.unbilled_actuals, 0) <> case
                when muls.billing_type = 'chargeable' and muls.billing_method = 'time_and_material' then 1 else 0
            end
        )
)

select * from missing_muls
union all
select * from wrong_actuals
