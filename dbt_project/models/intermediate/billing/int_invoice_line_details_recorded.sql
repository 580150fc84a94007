-- R20–R21 (and R18 after billing): the append-only ledger of what each invoice run billed — one row per
-- invoice line detail. An item goes to the first run of its contract line that
--   • was not executed by an earlier load (int_invoice_runs_executed) and is after the contract's last published
--     run (a run, once executed, never changes: late data goes to the next run not yet executed),
--   • comes after the item was known (created_at / modifiedon earlier than the run date),
--   • has a cut-off on or after its usage date (actuals) or a run date on or after its invoice date (milestones),
-- unless it was reversed before that run (never invoiced) or failed not-to-exceed. The reversal of an actual
-- that was already billed is billed on a later run as a credit. A history delivered in one piece and the same
-- history delivered day by day give the same runs.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}

with items as (
    select * from {{ ref('int_invoiceable_items') }}
),

calendar as (
    select * from {{ ref('int_invoice_run_calendar') }}
    where is_due
),

{% if is_incremental() %}
published as (
    select * from {{ this }}
),
{% else %}
published as (
    select * from (select
        cast(null as varchar) as contract_id, cast(null as date) as run_date,
        cast(null as varchar) as actual_id, cast(null as varchar) as milestone_id) as nothing
    where false
),
{% endif %}

anchors as (
    select contract_id, max(run_date) as last_run_date
    from published
    group by contract_id
),

-- runs executed by an earlier load are closed; the current load may execute (or re-execute, I8) the others
current_load as (
    select coalesce(max(load_id), 0) as load_id from {{ ref('stg_landing__landed_files') }}
),

closed_runs as (
    select executed.contract_line_id, executed.run_date
    from {{ ref('int_invoice_runs_executed') }} as executed
    cross join current_load
    where executed.executed_by_load_id < current_load.load_id
),

open_runs as (
    select calendar.*
    from calendar
    left join anchors
        on calendar.contract_id = anchors.contract_id
    where (anchors.last_run_date is null or calendar.run_date > anchors.last_run_date)
        and not exists (
            select 1 from closed_runs
            where closed_runs.contract_line_id = calendar.contract_line_id
                and closed_runs.run_date = calendar.run_date
        )
),

-- unbilled originals: the first open run after they were known, before any reversal of them
originals as (
    select
        items.*,
        min(open_runs.run_date) as run_date
    from items
    inner join open_runs
        on items.contract_line_id = open_runs.contract_line_id
        and items.known_at < cast(open_runs.run_date as timestamp)
        and items.usage_date <= open_runs.cutoff_date
        and (items.reversed_at is null or items.reversed_at >= cast(open_runs.run_date as timestamp))
    where items.item_kind = 'actual'
        and items.reverses_actual_id is null
        and not items.is_nte_failed
        and items.actual_id not in (select actual_id from published where actual_id is not null)
    group by all
),

billed_originals as (
    select actual_id, run_date from published where actual_id is not null
    union all
    select actual_id, run_date from originals
),

-- R18: a reversal of a billed original is a credit on a run after the one that billed the original
credits as (
    select
        items.*,
        min(open_runs.run_date) as run_date
    from items
    inner join billed_originals
        on items.reverses_actual_id = billed_originals.actual_id
    inner join open_runs
        on items.contract_line_id = open_runs.contract_line_id
        and open_runs.run_date > billed_originals.run_date
        and items.known_at < cast(open_runs.run_date as timestamp)
    where items.item_kind = 'actual'
        and items.actual_id not in (select actual_id from published where actual_id is not null)
    group by all
),

-- milestones: the first open run on or after the invoice date at which the version known then is ready
milestone_candidates as (
    select
        items.*,
        open_runs.run_date,
        row_number() over (
            partition by items.milestone_id, open_runs.run_date order by items.known_at desc, items.item_id desc
        ) as version_rank
    from items
    inner join open_runs
        on items.contract_line_id = open_runs.contract_line_id
        and items.known_at < cast(open_runs.run_date as timestamp)
    where items.item_kind = 'milestone'
        and items.milestone_id not in (select milestone_id from published where milestone_id is not null)
),

milestones as (
    select *
    from (
        select
            *,
            row_number() over (partition by milestone_id order by run_date) as run_rank
        from milestone_candidates
        where version_rank = 1 and is_ready and invoice_date <= run_date
    ) as ready
    where run_rank = 1
),

assigned as (
    select item_kind, item_id, actual_id, milestone_id, reverses_actual_id, contract_id, contract_line_id,
        customer_id, legal_entity, quantity, unit_price, amount, currency_code, contract_number,
        contract_company_code, run_date
    from originals
    union all
    select item_kind, item_id, actual_id, milestone_id, reverses_actual_id, contract_id, contract_line_id,
        customer_id, legal_entity, quantity, unit_price, amount, currency_code, contract_number,
        contract_company_code, run_date
    from credits
    union all
    select item_kind, milestone_id, actual_id, milestone_id, reverses_actual_id, contract_id, contract_line_id,
        customer_id, legal_entity, quantity, unit_price, amount, currency_code, contract_number,
        contract_company_code, run_date
    from milestones
)

select
    {{ hash_id(['invoice_id', 'item_kind', 'item_id']) }} as invoice_line_detail_id,
    *
from (
    select
        {{ hash_id(['assigned.contract_id', 'assigned.customer_id', 'run_date']) }} as invoice_id,
        {{ hash_id(['assigned.contract_id', 'assigned.customer_id', 'run_date', 'assigned.contract_line_id']) }}
            as invoice_line_id,
        coalesce(assigned.contract_number, assigned.contract_id) || '-' || {{ date_key('run_date') }}
            as invoice_number,
        assigned.contract_id,
        assigned.customer_id,
        assigned.contract_line_id,
        coalesce(assigned.contract_company_code, assigned.legal_entity) as legal_entity,
        run_date,
        cast(run_date - interval 1 day as date) as cutoff_date,
        item_kind,
        item_id,
        actual_id,
        milestone_id,
        reverses_actual_id,
        case when item_kind = 'milestone' then 'milestone' else 'material' end as transaction_class,
        'chargeable' as billing_type,
        cast(assigned.quantity as decimal(18, 4)) as quantity,
        cast(assigned.unit_price as decimal(18, 4)) as unit_price,
        cast(assigned.amount as decimal(18, 2)) as amount,
        assigned.currency_code
    from assigned
) as details
