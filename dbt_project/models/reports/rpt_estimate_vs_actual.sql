-- One row per work order line with an estimate or an actual: estimated cost and sales (R10, current) next to
-- actual cost and sales (net of reversals, R18) and the variances.
with estimates as (
    select
        work_order_line_id,
        sum(case when transaction_type = 'cost' then quantity end) as estimated_quantity,
        sum(case when transaction_type = 'cost' then amount else 0 end) as estimated_cost,
        sum(case when transaction_type = 'sales' then amount else 0 end) as estimated_sales
    from {{ ref('fct_estimate_lines') }}
    group by work_order_line_id
),

actuals as (
    select
        work_order_line_id,
        sum(case when transaction_type = 'cost' then quantity else 0 end) as actual_quantity,
        sum(case when transaction_type = 'cost' then amount else 0 end) as actual_cost,
        sum(case when transaction_type = 'unbilled_sales' and coalesce(reversal_reason, '') <> 'invoice_confirmation'
            then amount else 0 end) as actual_sales
    from {{ ref('fct_project_actuals') }}
    where transaction_class = 'material'
    group by work_order_line_id
),

lines as (
    select work_order_line_id from estimates
    union
    select work_order_line_id from actuals
)

select
    lines.work_order_line_id,
    current_lines.line_type,
    current_lines.work_order_id,
    work_orders.project_id,
    current_lines.product_id,
    current_lines.line_status,
    cast(coalesce(estimates.estimated_quantity, 0) as decimal(18, 4)) as estimated_quantity,
    cast(coalesce(actuals.actual_quantity, 0) as decimal(18, 4)) as actual_quantity,
    cast(coalesce(estimates.estimated_cost, 0) as decimal(18, 2)) as estimated_cost,
    cast(coalesce(actuals.actual_cost, 0) as decimal(18, 2)) as actual_cost,
    cast(coalesce(actuals.actual_cost, 0) - coalesce(estimates.estimated_cost, 0) as decimal(18, 2)) as cost_variance,
    cast(coalesce(estimates.estimated_sales, 0) as decimal(18, 2)) as estimated_sales,
    cast(coalesce(actuals.actual_sales, 0) as decimal(18, 2)) as actual_sales,
    cast(coalesce(actuals.actual_sales, 0) - coalesce(estimates.estimated_sales, 0) as decimal(18, 2))
        as sales_variance
from lines
left join estimates
    on lines.work_order_line_id = estimates.work_order_line_id
left join actuals
    on lines.work_order_line_id = actuals.work_order_line_id
left join {{ ref('int_work_order_lines_current') }} as current_lines
    on lines.work_order_line_id = current_lines.work_order_line_id
left join {{ ref('stg_field_service__work_orders') }} as work_orders
    on current_lines.work_order_id = work_orders.work_order_id
