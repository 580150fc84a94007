-- SPEC §3 (money in reports), R27: the revenue recognized to date on each fixed-price contract line, allocated to
-- the work orders of that line by their share of its cost actuals, to the cent, the remainder to the largest share
-- (ties: the lowest work order id); each work order's part then to its lines the same way (ties: the lowest line
-- id), so lines add up to their work order and work orders to the contract line exactly. One row per work order
-- line with cost actuals on a line with recognized revenue.
-- Revenue to date = the cumulative revenue of the line's last recognized month, in the contract currency; in the
-- accounting currency, the sum of each month's entry at the rate valid on its month end (what the GL posts, R25;
-- NULL while a month waits for its rate). Shares = net cost actuals (R18) up to that month end — the costs R27
-- measured — in their transaction currency (the project's cost currency), so allocating needs no exchange rate.
with rates as (
    select * from {{ ref('int_exchange_rates_dated') }}
),

recognition as (
    select
        recognition.contract_line_id,
        recognition.period_end,
        recognition.cumulative_revenue,
        recognition.period_revenue,
        recognition.currency_code,
        recognition.accounting_currency_code,
        case
            when recognition.currency_code = recognition.accounting_currency_code then cast(1 as decimal(18, 8))
            else rates.exchange_rate
        end as exchange_rate
    from {{ ref('int_revenue_recognition_recorded') }} as recognition
    left join rates
        on recognition.currency_code = rates.from_currency_code
        and recognition.accounting_currency_code = rates.to_currency_code
        and recognition.period_end >= rates.valid_from
        and (rates.valid_to is null or recognition.period_end <= rates.valid_to)
),

recognized as (
    select
        contract_line_id,
        max(period_end) as recognized_through,
        max_by(cumulative_revenue, period_end) as recognized_revenue,
        max(currency_code) as currency_code,
        max(accounting_currency_code) as accounting_currency_code,
        case
            when bool_or(period_revenue <> 0 and exchange_rate is null) then null
            else sum(case when period_revenue <> 0
                then {{ money('cast(period_revenue as decimal(38, 2)) * exchange_rate') }}
                else 0 end)
        end as recognized_revenue_accounting
    from recognition
    group by contract_line_id
),

line_costs as (
    select
        recognized.contract_line_id,
        actuals.work_order_id,
        actuals.work_order_line_id,
        sum(actuals.amount) as line_cost
    from recognized
    inner join {{ ref('int_project_actuals_recorded') }} as actuals
        on recognized.contract_line_id = actuals.contract_line_id
        and actuals.accounting_date <= recognized.recognized_through
    where actuals.transaction_type = 'cost'
    group by recognized.contract_line_id, actuals.work_order_id, actuals.work_order_line_id
),

work_order_costs as (
    select
        line_costs.contract_line_id,
        line_costs.work_order_id,
        sum(line_costs.line_cost) as work_order_cost
    from line_costs
    group by line_costs.contract_line_id, line_costs.work_order_id
),

-- level 1: the contract line's revenue to its work orders
work_orders_weighted as (
    select
        work_order_costs.*,
        recognized.recognized_through,
        recognized.recognized_revenue,
        recognized.recognized_revenue_accounting,
        recognized.currency_code,
        recognized.accounting_currency_code,
        sum(work_order_costs.work_order_cost) over (partition by work_order_costs.contract_line_id) as contract_line_cost
    from work_order_costs
    inner join recognized
        on work_order_costs.contract_line_id = recognized.contract_line_id
),

work_orders_shared as (
    select
        *,
        {{ allocation_share('recognized_revenue', 'work_order_cost', 'contract_line_cost') }} as revenue_share,
        {{ allocation_share('recognized_revenue_accounting', 'work_order_cost', 'contract_line_cost') }}
            as revenue_share_accounting
    from work_orders_weighted
),

work_orders_allocated as (
    select
        *,
        revenue_share + {{ allocation_remainder('recognized_revenue', 'work_order_cost', 'revenue_share',
            'contract_line_id', 'work_order_id') }} as work_order_revenue,
        revenue_share_accounting + {{ allocation_remainder('recognized_revenue_accounting', 'work_order_cost',
            'revenue_share_accounting', 'contract_line_id', 'work_order_id') }} as work_order_revenue_accounting
    from work_orders_shared
),

-- level 2: each work order's part to its lines
lines_shared as (
    select
        line_costs.*,
        work_orders.recognized_through,
        work_orders.currency_code,
        work_orders.accounting_currency_code,
        work_orders.recognized_revenue,
        work_orders.recognized_revenue_accounting,
        work_orders.contract_line_cost,
        work_orders.work_order_cost,
        work_orders.work_order_revenue,
        work_orders.work_order_revenue_accounting,
        {{ allocation_share('work_orders.work_order_revenue', 'line_costs.line_cost', 'work_orders.work_order_cost') }}
            as revenue_share,
        {{ allocation_share('work_orders.work_order_revenue_accounting', 'line_costs.line_cost',
            'work_orders.work_order_cost') }} as revenue_share_accounting
    from line_costs
    inner join work_orders_allocated as work_orders
        on line_costs.contract_line_id = work_orders.contract_line_id
        and line_costs.work_order_id = work_orders.work_order_id
),

lines_allocated as (
    select
        *,
        revenue_share + {{ allocation_remainder('work_order_revenue', 'line_cost', 'revenue_share',
            'contract_line_id, work_order_id', 'work_order_line_id') }} as line_revenue,
        revenue_share_accounting + {{ allocation_remainder('work_order_revenue_accounting', 'line_cost',
            'revenue_share_accounting', 'contract_line_id, work_order_id', 'work_order_line_id') }}
            as line_revenue_accounting
    from lines_shared
)

select
    contract_line_id,
    work_order_id,
    work_order_line_id,
    recognized_through,
    currency_code,
    accounting_currency_code,
    cast(recognized_revenue as decimal(18, 2)) as recognized_revenue,
    cast(recognized_revenue_accounting as decimal(18, 2)) as recognized_revenue_accounting,
    cast(contract_line_cost as decimal(18, 2)) as contract_line_cost,
    cast(work_order_cost as decimal(18, 2)) as work_order_cost,
    cast(line_cost as decimal(18, 2)) as line_cost,
    cast(work_order_revenue as decimal(18, 2)) as work_order_revenue,
    cast(work_order_revenue_accounting as decimal(18, 2)) as work_order_revenue_accounting,
    cast(line_revenue as decimal(18, 2)) as line_revenue,
    cast(line_revenue_accounting as decimal(18, 2)) as line_revenue_accounting
from lines_allocated
