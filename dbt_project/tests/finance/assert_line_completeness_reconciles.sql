-- SPEC §3.2: every used line of a project work order is in rpt_line_completeness exactly once, and per currency the
-- amounts at risk (sales and cost) add up to the unbilled backlog (its actual items) plus the integration journal
-- lines waiting (actuals Finance receives that are not on the journal yet), each waiting item counted once (an
-- unbilled item that waits is in the backlog already). Returns what does not reconcile.
{{ config(meta={'dagster': {'ref': {'name': 'rpt_line_completeness'}}}) }}

with used_lines as (
    select lines.work_order_line_id
    from {{ ref('int_work_order_lines_current') }} as lines
    inner join {{ ref('int_work_orders_current') }} as work_orders
        on lines.work_order_id = work_orders.work_order_id
    where lines.line_status = 'used' and not lines.is_deleted and work_orders.project_id is not null
),

listed as (
    select work_order_line_id, count(*) as times from {{ ref('rpt_line_completeness') }} group by work_order_line_id
),

at_risk as (
    select currency_code, sum(amount_at_risk) as amount from {{ ref('rpt_line_completeness') }}
    where amount_at_risk <> 0 group by currency_code
    union all
    select cost_currency_code, sum(cost_at_risk) from {{ ref('rpt_line_completeness') }}
    where cost_at_risk <> 0 group by cost_currency_code
),

backlog as (
    select actual_id, currency_code, amount from {{ ref('rpt_unbilled_backlog') }} where item_kind = 'actual'
),

waiting as (
    select actual_id, currency_code, amount from {{ ref('int_integration_journal_candidates') }}
    where actual_id not in (select actual_id from {{ ref('int_integration_journal_lines_recorded') }})
),

expected as (
    select currency_code, amount from backlog
    union all
    select currency_code, amount from waiting where actual_id not in (select actual_id from backlog)
),

by_currency as (
    select coalesce(a.currency_code, e.currency_code) as currency_code, a.amount as at_risk, e.amount as expected
    from (select currency_code, sum(amount) as amount from at_risk group by currency_code) as a
    full outer join (select currency_code, sum(amount) as amount from expected group by currency_code
                     having sum(amount) <> 0) as e
        on a.currency_code = e.currency_code
)

select 'used line listed ' || cast(coalesce(listed.times, 0) as varchar) || ' times' as problem,
    used_lines.work_order_line_id as key, null as at_risk, null as expected
from used_lines
left join listed
    on used_lines.work_order_line_id = listed.work_order_line_id
where coalesce(listed.times, 0) <> 1
union all
select 'line listed twice', work_order_line_id, null, null from listed where times > 1
union all
select 'amounts at risk <> unbilled backlog + integration lines waiting', currency_code, at_risk, expected
from by_currency
where coalesce(at_risk, 0) <> coalesce(expected, 0)
