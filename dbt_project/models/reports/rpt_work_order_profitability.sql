-- One row per work order with actuals or estimates: estimated and actual cost and sales (net of reversals,
-- R18), margin and margin %, with its project, customer and currencies. rpt_project_profitability rolls it up.
with lines as (
    select * from {{ ref('rpt_estimate_vs_actual') }}
),

per_work_order as (
    select
        work_order_id,
        sum(estimated_cost) as estimated_cost,
        sum(estimated_sales) as estimated_sales,
        sum(actual_cost) as actual_cost,
        sum(actual_sales) as actual_sales,
        count(*) as work_order_lines
    from lines
    group by work_order_id
)

select
    per_work_order.work_order_id,
    work_orders.work_order_number,
    work_orders.system_status,
    work_orders.project_id,
    projects.project_name,
    projects.customer_id,
    work_orders.legal_entity,
    projects.cost_currency_code,
    projects.contract_currency_code as sales_currency_code,
    per_work_order.work_order_lines,
    cast(per_work_order.estimated_cost as decimal(18, 2)) as estimated_cost,
    cast(per_work_order.estimated_sales as decimal(18, 2)) as estimated_sales,
    cast(per_work_order.estimated_sales - per_work_order.estimated_cost as decimal(18, 2)) as estimated_margin,
    cast(per_work_order.actual_cost as decimal(18, 2)) as actual_cost,
    cast(per_work_order.actual_sales as decimal(18, 2)) as actual_sales,
    cast(per_work_order.actual_sales - per_work_order.actual_cost as decimal(18, 2)) as actual_margin,
    case when per_work_order.actual_sales <> 0
        then cast({{ divide_round('(per_work_order.actual_sales - per_work_order.actual_cost) * 100',
            'per_work_order.actual_sales', 2) }} as decimal(9, 2))
    end as actual_margin_percent
from per_work_order
left join {{ ref('dim_work_orders') }} as work_orders
    on per_work_order.work_order_id = work_orders.work_order_id
left join {{ ref('dim_projects') }} as projects
    on work_orders.project_id = projects.project_id
