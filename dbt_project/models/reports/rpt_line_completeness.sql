-- SPEC §3.2 line completeness: one row per work order line that is used now or ever had a MUL, over the whole
-- history — the furthest stage it reached in the order used → mul → approved → actual → invoiced →
-- integration_journal → posted → exported (a stage is reached when everything of the line up to it is done), what
-- blocks the next one, the amount at risk and its age at as_of_date (DECISIONLOG D-T6).
--   invoiced             no open unbilled item of the line (rpt_unbilled_backlog; fixed price and non-chargeable
--                        lines have none)        — else nte_failed, draft_not_confirmed, no_invoice_run_yet
--   integration_journal  every actual Finance receives is on the integration journal          — else no_exchange_rate
--   posted               every confirmed invoice of its items is a posted customer invoice
--                                                              — else invoice_waiting_for_integration (D27)
--   exported             its integration lines and posted invoices are in an export batch, or in the one the export
--                        writes right after this run publishes (int_export_batch_rows)  — else waiting_for_export
-- amount_at_risk (contract currency) = its unbilled backlog + its unbilled sales waiting for the integration journal
-- that are not in the backlog; cost_at_risk (cost currency) = its costs waiting: so Σ over lines = the backlog's
-- actual items + the integration lines waiting (assert_line_completeness_reconciles).
with current_lines as (
    select work_order_line_id, work_order_id, line_status, is_deleted, modified_at
    from {{ ref('int_work_order_lines_current') }}
),

muls as (
    select * from {{ ref('fct_material_usage_logs') }}
),

latest_revisions as (
    select work_order_line_id, max(revision) as revision
    from {{ ref('int_line_revisions_recorded') }}
    group by work_order_line_id
),

-- the MUL of the line's latest revision, if it has one (a revision that reverses the line has none)
latest_muls as (
    select muls.*
    from muls
    inner join latest_revisions
        on muls.work_order_line_id = latest_revisions.work_order_line_id
        and muls.revision = latest_revisions.revision
),

rejections as (
    select record_id as work_order_line_id, min(reason_code) as reason_code
    from {{ ref('int_work_order_lines_rejected') }}
    where table_name in ('msdyn_workorderproduct', 'msdyn_workorderservice')
    group by record_id
),

population as (
    select work_order_line_id from current_lines where line_status = 'used' and not is_deleted
    union
    select work_order_line_id from muls
),

actuals as (
    select work_order_line_id, count(*) as actual_count, min(currency_code) as currency_code
    from {{ ref('fct_project_actuals') }}
    where transaction_type in ('unbilled_sales', 'billed_sales')
    group by work_order_line_id
),

any_actuals as (
    select distinct work_order_line_id from {{ ref('fct_project_actuals') }}
),

backlog as (
    select
        work_order_line_id,
        sum(amount) as amount,
        min(currency_code) as currency_code,
        min(usage_date) as since,
        max(case backlog_reason when 'nte_failed' then 3 when 'pending_draft' then 2 else 1 end) as reason_rank
    from {{ ref('rpt_unbilled_backlog') }}
    where item_kind = 'actual'
    group by work_order_line_id
),

backlog_actuals as (
    select actual_id from {{ ref('rpt_unbilled_backlog') }} where item_kind = 'actual'
),

waiting_items as (
    select candidates.*
    from {{ ref('int_integration_journal_candidates') }} as candidates
    where candidates.actual_id not in (select actual_id from {{ ref('int_integration_journal_lines_recorded') }})
),

waiting as (
    select
        work_order_line_id,
        sum(case when transaction_type = 'unbilled_sales' and actual_id not in (select actual_id from backlog_actuals)
            then amount else 0 end) as sales_amount,
        sum(case when transaction_type = 'cost' then amount else 0 end) as cost_amount,
        min(case when transaction_type = 'cost' then currency_code end) as cost_currency_code,
        min(case when transaction_type <> 'cost' then currency_code end) as sales_currency_code,
        min(accounting_date) as since
    from waiting_items
    group by work_order_line_id
),

-- confirmed invoice items of the line whose customer invoice is not posted yet (D27: it waits for the integration
-- journal of every unbilled item on it, or for its rate)
unposted_invoices as (
    select details.work_order_line_id, min(details.run_date) as since
    from {{ ref('fct_invoice_line_details') }} as details
    where details.invoice_status = 'confirmed' and details.work_order_line_id is not null and {{ finance_enabled() }}
        and details.invoice_id not in (select invoice_id from {{ ref('int_customer_invoice_lines_recorded') }})
    group by details.work_order_line_id
),

batches as (
    select row_id from {{ ref('int_export_batch_rows') }}
),

unexported as (
    select work_order_line_id, min(accounting_date) as since
    from (
        select work_order_line_id, accounting_date, integration_line_id as row_id
        from {{ ref('int_integration_journal_lines_recorded') }}
        union all
        select details.work_order_line_id, details.invoice_date, details.invoice_id
        from {{ ref('int_customer_invoice_line_details_recorded') }} as details
        where details.work_order_line_id is not null
    ) as documents
    where row_id not in (select row_id from batches)
    group by work_order_line_id
),

assessed as (
    select
        population.work_order_line_id,
        coalesce(latest_muls.work_order_id, any_mul.work_order_id, current_lines.work_order_id) as work_order_id,
        coalesce(latest_muls.project_id, any_mul.project_id) as project_id,
        coalesce(latest_muls.contract_line_id, any_mul.contract_line_id) as contract_line_id,
        any_mul.mul_id is not null as has_mul,
        latest_muls.approval_status as latest_approval_status,
        any_actuals.work_order_line_id is not null as has_actuals,
        rejections.reason_code as rejection_reason,
        backlog.reason_rank,
        unposted_invoices.work_order_line_id is not null as has_unposted_invoice,
        waiting.work_order_line_id is not null as has_waiting,
        unexported.work_order_line_id is not null as has_unexported,
        coalesce(backlog.amount, 0) + coalesce(waiting.sales_amount, 0) as amount_at_risk,
        coalesce(backlog.currency_code, waiting.sales_currency_code, actuals.currency_code,
            latest_muls.sales_currency_code, any_mul.sales_currency_code) as currency_code,
        coalesce(waiting.cost_amount, 0) as cost_at_risk,
        coalesce(waiting.cost_currency_code, latest_muls.cost_currency_code, any_mul.cost_currency_code)
            as cost_currency_code,
        case when latest_muls.approval_status in ('pending', 'rejected') then latest_muls.sales_amount end
            as pending_sales_amount,
        backlog.since as backlog_since,
        waiting.since as waiting_since,
        unposted_invoices.since as unposted_since,
        unexported.since as unexported_since,
        coalesce(latest_muls.usage_date, any_mul.usage_date, cast(current_lines.modified_at as date)) as usage_date
    from population
    left join current_lines
        on population.work_order_line_id = current_lines.work_order_line_id
    left join latest_muls
        on population.work_order_line_id = latest_muls.work_order_line_id
    left join (
        select *, row_number() over (partition by work_order_line_id order by revision desc) as newest
        from muls
    ) as any_mul
        on population.work_order_line_id = any_mul.work_order_line_id
        and any_mul.newest = 1
    left join rejections
        on population.work_order_line_id = rejections.work_order_line_id
    left join any_actuals
        on population.work_order_line_id = any_actuals.work_order_line_id
    left join actuals
        on population.work_order_line_id = actuals.work_order_line_id
    left join backlog
        on population.work_order_line_id = backlog.work_order_line_id
    left join waiting
        on population.work_order_line_id = waiting.work_order_line_id
    left join unposted_invoices
        on population.work_order_line_id = unposted_invoices.work_order_line_id
    left join unexported
        on population.work_order_line_id = unexported.work_order_line_id
),

staged as (
    select
        *,
        case
            when not has_mul then 'used'
            when latest_approval_status in ('pending', 'rejected') then 'mul'
            when not has_actuals then 'approved'
            when reason_rank is not null then 'actual'
            when not {{ finance_enabled() }} then 'invoiced'  -- without Finance the chain ends here (D30)
            when has_waiting then 'invoiced'
            when has_unposted_invoice then 'integration_journal'
            when has_unexported then 'posted'
            else 'exported'
        end as stage,
        case
            when not has_mul then coalesce(rejection_reason, 'not_processed')
            when latest_approval_status = 'pending' then 'pending_approval'
            when latest_approval_status = 'rejected' then 'rejected_approval'
            when not has_actuals then 'not_processed'
            when reason_rank = 3 then 'nte_failed'
            when reason_rank = 2 then 'draft_not_confirmed'
            when reason_rank = 1 then 'no_invoice_run_yet'
            when not {{ finance_enabled() }} then null
            when has_waiting then 'no_exchange_rate'
            when has_unposted_invoice then 'invoice_waiting_for_integration'
            when has_unexported then 'waiting_for_export'
        end as blocked_by
    from assessed
)

select
    work_order_line_id,
    work_order_id,
    project_id,
    contract_line_id,
    stage,
    case stage when 'used' then 0 when 'mul' then 1 when 'approved' then 2 when 'actual' then 3 when 'invoiced' then 4
        when 'integration_journal' then 5 when 'posted' then 6 else 7 end as stage_number,
    blocked_by,
    cast(amount_at_risk as decimal(18, 2)) as amount_at_risk,
    currency_code,
    cast(cost_at_risk as decimal(18, 2)) as cost_at_risk,
    cost_currency_code,
    cast(pending_sales_amount as decimal(18, 2)) as pending_sales_amount,
    usage_date,
    case when blocked_by is not null then {{ days_between(
        "case when stage in ('used', 'mul', 'approved') then usage_date
            when stage = 'actual' then backlog_since
            when stage = 'invoiced' then waiting_since
            when stage = 'integration_journal' then unposted_since
            else unexported_since end", as_of_date_sql()) }} end as age_days
from staged
