-- I4: each reversal negates its original exactly (quantity and amount, same type, line and currency); an actual
-- is reversed at most once per cause — once for its usage ending (a line change R18 or its approval withdrawn
-- R17, never both), once at invoice confirmation (R22) — and only a confirmation may reverse a reversal (the R18
-- credit of a billed actual). Returns the offenders.
{{ config(meta={'dagster': {'ref': {'name': 'fct_project_actuals'}}}) }}

with reversals as (
    select * from {{ ref('fct_project_actuals') }}
    where reverses_actual_id is not null
)

select reversals.actual_id, 'does not mirror its original' as problem
from reversals
inner join {{ ref('fct_project_actuals') }} as originals
    on reversals.reverses_actual_id = originals.actual_id
where reversals.quantity <> -originals.quantity
    or reversals.amount <> -originals.amount
    or reversals.transaction_type <> originals.transaction_type
    or reversals.currency_code <> originals.currency_code
    or reversals.work_order_line_id is distinct from originals.work_order_line_id
    or (originals.reverses_actual_id is not null and reversals.reversal_reason <> 'invoice_confirmation')
union all
select reverses_actual_id, 'reversed ' || cast(count(*) as varchar) || ' times for ' || cause
from (
    select
        reverses_actual_id,
        case when reversal_reason = 'invoice_confirmation' then reversal_reason else 'its usage ending' end
            as cause
    from reversals
) as causes
group by reverses_actual_id, cause
having count(*) > 1
