-- R19 not-to-exceed, evaluated once per unbilled-sales actual and stored (append-only), so that a later actual
-- never flips an earlier status (DESIGN-NOTES §4). Actuals not yet evaluated are taken in order of contract, usage
-- date, creation and actual id. An original that would take its contract line's or its contract's committed amount
-- (committed + invoiced: every committed original net of its line-change reversals, earlier runs' included) over
-- the limit is `failed` and not invoiceable; otherwise `committed`. A failed item adds nothing, so a later smaller
-- one may still fit. A line-change reversal has the status of what it reverses (decided in this run or earlier) and
-- a committed one frees its amount. No limit on the item's line or contract: `not_applicable`.
-- Sequential by nature (greedy), so the statuses are a fold over each contract's pending items (macros/fold.sql:
-- DuckDB's list_reduce, Spark's aggregate; D-SP7); the committed totals after each item are then window sums.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}

with actuals as (
    select * from {{ ref('int_project_actuals_recorded') }}
),

-- what earlier runs decided: never evaluated again
evaluated as (
{%- if is_incremental() %}
    select actual_id, nte_status from {{ this }}
{%- else %}
    select cast(null as varchar) as actual_id, cast(null as varchar) as nte_status where false
{%- endif %}
),

-- earlier runs' committed amounts, per contract line (actuals without a line are one total of their own) and per
-- contract; `is_seeded` says a total exists, even a zero one
committed_earlier as (
    select actuals.contract_line_id, actuals.contract_id, actuals.amount
    from actuals
    inner join evaluated
        on actuals.actual_id = evaluated.actual_id
        and evaluated.nte_status = 'committed'
),

line_seeds as (
    select contract_line_id, sum(amount) as committed_amount, true as is_seeded
    from committed_earlier
    group by contract_line_id
),

contract_seeds as (
    select contract_id, sum(amount) as committed_amount, true as is_seeded
    from committed_earlier
    group by contract_id
),

unevaluated as (
    select
        actuals.actual_id,
        actuals.reverses_actual_id,
        actuals.contract_line_id,
        actuals.contract_id,
        actuals.amount,
        actuals.transaction_date,
        actuals.created_at,
        contract_lines.not_to_exceed_limit as line_limit,
        contracts.not_to_exceed_limit as contract_limit
    from actuals
    left join {{ ref('int_contract_lines_current') }} as contract_lines
        on actuals.contract_line_id = contract_lines.contract_line_id
    left join {{ ref('int_contracts_current') }} as contracts
        on actuals.contract_id = contracts.contract_id
    where actuals.transaction_type = 'unbilled_sales'
        and coalesce(actuals.reversal_reason, '') <> 'invoice_confirmation'
        and actuals.actual_id not in (select evaluated.actual_id from evaluated)
),

-- contracts with a limit on themselves or on a line of a pending item: their items are evaluated, in sequence
limited_contracts as (
    select distinct contract_id
    from unevaluated
    where line_limit is not null or contract_limit is not null
),

pending as (
    select
        unevaluated.*,
        coalesce(unevaluated.reverses_actual_id, '') <> '' as is_reversal,
        coalesce(reversed.nte_status, '') as reversed_status,
        row_number() over (
            order by unevaluated.contract_id, unevaluated.transaction_date nulls last,
                unevaluated.created_at nulls last, unevaluated.actual_id
        ) as evaluation_sequence
    from unevaluated
    left join evaluated as reversed
        on unevaluated.reverses_actual_id = reversed.actual_id
    where unevaluated.contract_id in (select limited_contracts.contract_id from limited_contracts)
),

-- a fold is per contract; contracts whose pending items share a contract line, or a reversal and what it
-- reverses, fold together in one group (fold_group null), in the same order, as their totals depend on each other
cross_contract_reversals as (
    select reversals.contract_id as reversal_contract_id, originals.contract_id as original_contract_id
    from pending as reversals
    inner join pending as originals
        on reversals.reverses_actual_id = originals.actual_id
    where reversals.contract_id <> originals.contract_id
),

shared_lines as (
    select contract_line_id
    from pending
    where contract_line_id is not null
    group by contract_line_id
    having count(distinct contract_id) > 1
),

entangled_contracts as (
    select reversal_contract_id as contract_id from cross_contract_reversals
    union
    select original_contract_id from cross_contract_reversals
    union
    select pending.contract_id
    from pending
    inner join shared_lines
        on pending.contract_line_id = shared_lines.contract_line_id
),

grouped as (
    select
        pending.*,
        case when entangled_contracts.contract_id is null then pending.contract_id end as fold_group,
        row_number() over (
            partition by case when entangled_contracts.contract_id is null then pending.contract_id end
            order by pending.evaluation_sequence
        ) as fold_position
    from pending
    left join entangled_contracts
        on pending.contract_id = entangled_contracts.contract_id
),

fold_items as (
    select
        grouped.*,
        -- the position of what a reversal reverses when it was decided earlier in the same fold
        case when reversed.fold_position < grouped.fold_position then reversed.fold_position end
            as reversed_position,
        cast(coalesce(line_seeds.committed_amount, 0) as decimal(38, 2)) as line_committed_earlier,
        coalesce(line_seeds.is_seeded, false) as is_line_seeded,
        cast(coalesce(contract_seeds.committed_amount, 0) as decimal(38, 2)) as contract_committed_earlier,
        coalesce(contract_seeds.is_seeded, false) as is_contract_seeded
    from grouped
    left join grouped as reversed
        on grouped.reverses_actual_id = reversed.actual_id
    left join line_seeds
        on grouped.contract_line_id is not distinct from line_seeds.contract_line_id
    left join contract_seeds
        on grouped.contract_id = contract_seeds.contract_id
),

{#- The fold's step. Its state: the amounts committed in this fold per contract line and per contract (maps), and
    one status letter per item decided so far (c committed, f failed, n not_applicable). -#}
{%- set line_committed -%}
    item.line_committed_earlier + coalesce({{ map_value('state.lines', 'item.contract_line_id') }}, 0)
{%- endset -%}
{%- set contract_committed -%}
    item.contract_committed_earlier + coalesce({{ map_value('state.contracts', 'item.contract_id') }}, 0)
{%- endset -%}
{%- set status_letter -%}
    case
        when item.is_reversal and item.reversed_position is not null
            then substr(state.codes, item.reversed_position, 1)
        when item.is_reversal
            then case item.reversed_status when 'committed' then 'c' when 'failed' then 'f' else 'n' end
        when item.line_limit is null and item.contract_limit is null then 'n'
        when (item.line_limit is null or {{ line_committed }} + item.amount <= item.line_limit)
            and (item.contract_limit is null or {{ contract_committed }} + item.amount <= item.contract_limit)
            then 'c'
        else 'f'
    end
{%- endset -%}
{%- set line_in_fold_after -%}
    cast(coalesce({{ map_value('state.lines', 'item.contract_line_id') }}, 0) + item.amount as decimal(38, 2))
{%- endset -%}
{%- set contract_in_fold_after -%}
    cast(coalesce({{ map_value('state.contracts', 'item.contract_id') }}, 0) + item.amount as decimal(38, 2))
{%- endset -%}
{%- set next_lines -%}
    case when ({{ status_letter }}) = 'c' and item.contract_line_id is not null
        then {{ map_with('state.lines', 'item.contract_line_id', line_in_fold_after) }}
        else state.lines
    end
{%- endset -%}
{%- set next_contracts -%}
    case when ({{ status_letter }}) = 'c'
        then {{ map_with('state.contracts', 'item.contract_id', contract_in_fold_after) }}
        else state.contracts
    end
{%- endset -%}
{%- set items_in_order = ordered_list(record(
    fold_position='fold_position', is_reversal='is_reversal', reversed_position='reversed_position',
    reversed_status='reversed_status', contract_line_id='contract_line_id', contract_id='contract_id',
    amount='amount', line_limit='line_limit', contract_limit='contract_limit',
    line_committed_earlier='line_committed_earlier', contract_committed_earlier='contract_committed_earlier',
), 'fold_position') -%}
{%- set nothing_committed = record(lines=empty_map('varchar', 'decimal(38, 2)'),
    contracts=empty_map('varchar', 'decimal(38, 2)'), codes="cast('' as varchar)") %}

folded as (
    select
        fold_group,
        {% call fold(items_in_order, nothing_committed, 'state', 'item') -%}
            {{ record(lines=next_lines, contracts=next_contracts, codes='concat(state.codes, ' ~ status_letter ~ ')') }}
        {%- endcall %} as final_state
    from fold_items
    group by fold_group
),

decided as (
    select
        fold_items.*,
        case
            when fold_items.is_reversal and fold_items.reversed_position is null
                then coalesce(nullif(fold_items.reversed_status, ''), 'not_applicable')
            else case substr(folded.final_state.codes, fold_items.fold_position, 1)
                when 'c' then 'committed'
                when 'f' then 'failed'
                else 'not_applicable'
            end
        end as nte_status
    from fold_items
    inner join folded
        on fold_items.fold_group is not distinct from folded.fold_group
),

-- the committed totals after each item, in evaluation order: earlier runs' plus this run's committed items
committed_totals as (
    select
        decided.*,
        sum(case when nte_status = 'committed' then amount else 0 end) over (
            partition by contract_line_id order by evaluation_sequence rows between unbounded preceding and current row
        ) as line_committed_in_run,
        max(nte_status = 'committed') over (
            partition by contract_line_id order by evaluation_sequence rows between unbounded preceding and current row
        ) as is_line_committed_in_run,
        sum(case when nte_status = 'committed' then amount else 0 end) over (
            partition by contract_id order by evaluation_sequence rows between unbounded preceding and current row
        ) as contract_committed_in_run,
        max(nte_status = 'committed') over (
            partition by contract_id order by evaluation_sequence rows between unbounded preceding and current row
        ) as is_contract_committed_in_run
    from decided
)

select
    cast(actual_id as varchar) as actual_id,
    cast(nte_status as varchar) as nte_status,
    cast(case when is_line_seeded or is_line_committed_in_run
        then line_committed_earlier + line_committed_in_run end as decimal(18, 2)) as line_committed_after,
    cast(case when is_contract_seeded or is_contract_committed_in_run
        then contract_committed_earlier + contract_committed_in_run end as decimal(18, 2)) as contract_committed_after,
    cast(evaluation_sequence as bigint) as evaluation_sequence
from committed_totals

union all

-- contracts without any limit: nothing to evaluate in sequence
select
    cast(actual_id as varchar) as actual_id,
    cast('not_applicable' as varchar) as nte_status,
    cast(null as decimal(18, 2)) as line_committed_after,
    cast(null as decimal(18, 2)) as contract_committed_after,
    cast(null as bigint) as evaluation_sequence
from unevaluated
where contract_id not in (select limited_contracts.contract_id from limited_contracts)
