-- One row per project: the work orders of rpt_work_order_profitability rolled up (cost, sales, margin).
select
    project_id,
    max(project_name) as project_name,
    max(customer_id) as customer_id,
    max(cost_currency_code) as cost_currency_code,
    max(sales_currency_code) as sales_currency_code,
    count(*) as work_orders,
    cast(sum(estimated_cost) as decimal(18, 2)) as estimated_cost,
    cast(sum(estimated_sales) as decimal(18, 2)) as estimated_sales,
    cast(sum(actual_cost) as decimal(18, 2)) as actual_cost,
    cast(sum(actual_sales) as decimal(18, 2)) as actual_sales,
    cast(sum(actual_sales) - sum(actual_cost) as decimal(18, 2)) as actual_margin,
    case when sum(actual_sales) <> 0
        then cast({{ divide_round('(sum(actual_sales) - sum(actual_cost)) * 100', 'sum(actual_sales)', 2) }}
            as decimal(9, 2))
    end as actual_margin_percent
from {{ ref('rpt_work_order_profitability') }}
where project_id is not null
group by project_id
