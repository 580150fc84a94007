-- R19–R22, I5: what is unbilled and why — one row per open unbilled-sales actual (an original not yet invoiced,
-- or the credit of a billed one) and per milestone not yet billed — with the reason (not_yet_run: waiting for
-- its contract line's next run; nte_failed: over the not-to-exceed limit, never invoiced; pending_draft: on a
-- draft proforma not yet confirmed; milestone_not_ready), the next run date and the age at as_of_date.
-- Originals reversed before they were billed, and their reversals, net to zero and are not listed.
with actuals as (
    select * from {{ ref('fct_project_actuals') }}
    where transaction_type = 'unbilled_sales'
        and coalesce(reversal_reason, '') <> 'invoice_confirmation'
        and billing_type = 'chargeable'
),

open_items as (
    select actuals.*
    from actuals
    where coalesce(actuals.billing_status, '') <> 'customer_invoice_posted'
        -- a reversal of an original that was never billed: the pair nets to zero
        and not (actuals.billing_status = 'canceled' and actuals.invoice_id is null)
),

next_runs as (
    select contract_line_id, min(run_date) as next_run_date
    from {{ ref('int_invoice_run_calendar') }}
    where not is_due
    group by contract_line_id
),

milestones as (
    select milestones.*
    from {{ ref('int_milestones_current') }} as milestones
    left join (
        select distinct milestone_id from {{ ref('int_invoice_line_details_recorded') }}
        where milestone_id is not null
    ) as billed
        on milestones.milestone_id = billed.milestone_id
    where billed.milestone_id is null and not milestones.is_deleted
)

select
    'actual' as item_kind,
    open_items.actual_id as item_id,
    open_items.actual_id,
    cast(null as varchar) as milestone_id,
    open_items.work_order_line_id,
    open_items.work_order_id,
    open_items.project_id,
    open_items.contract_id,
    open_items.contract_line_id,
    open_items.customer_id,
    case
        when open_items.nte_status = 'failed' then 'nte_failed'
        when open_items.billing_status = 'customer_invoice_created' then 'pending_draft'
        else 'not_yet_run'
    end as backlog_reason,
    open_items.invoice_id,
    case when open_items.nte_status <> 'failed' and open_items.invoice_id is null
        then next_runs.next_run_date end as next_run_date,
    open_items.transaction_date as usage_date,
    open_items.amount,
    open_items.currency_code,
    {{ days_between('open_items.transaction_date', as_of_date_sql()) }} as age_days
from open_items
left join next_runs
    on open_items.contract_line_id = next_runs.contract_line_id
union all
select
    'milestone',
    milestones.milestone_id,
    null,
    milestones.milestone_id,
    null,
    null,
    lines.project_id,
    lines.contract_id,
    milestones.contract_line_id,
    contracts.customer_id,
    case when milestones.invoice_status = 'ready' then 'not_yet_run' else 'milestone_not_ready' end,
    null,
    case when milestones.invoice_status = 'ready' then next_runs.next_run_date end,
    milestones.invoice_date,
    milestones.amount,
    contracts.currency_code,
    {{ days_between('milestones.invoice_date', as_of_date_sql()) }}
from milestones
inner join {{ ref('int_contract_lines_current') }} as lines
    on milestones.contract_line_id = lines.contract_line_id
left join {{ ref('int_contracts_current') }} as contracts
    on lines.contract_id = contracts.contract_id
left join next_runs
    on milestones.contract_line_id = next_runs.contract_line_id
