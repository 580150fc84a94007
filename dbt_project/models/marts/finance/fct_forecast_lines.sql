-- R10 (Finance side): one item forecast line per estimate pair (the cost and sales estimate of a work order
-- line), for Finance's project forecasts. Current state; empty without Finance.
with estimates as (
    select * from {{ ref('fct_estimate_lines') }}
    where {{ finance_enabled() }}
)

select
    {{ hash_id(['cost.work_order_line_id', "'forecast'"]) }} as forecast_line_id,
    cost.work_order_line_id,
    cost.work_order_id,
    cost.project_id,
    projects.legal_entity,
    cost.product_id,
    cost.unit_id,
    cost.pricing_date as forecast_date,
    cost.quantity,
    cost.unit_price as unit_cost,
    cost.amount as cost_amount,
    cost.currency_code as cost_currency_code,
    sales.unit_price,
    sales.amount as sales_amount,
    sales.currency_code as sales_currency_code
from estimates as cost
inner join estimates as sales
    on cost.work_order_line_id = sales.work_order_line_id and sales.transaction_type = 'sales'
left join {{ ref('dim_projects') }} as projects
    on cost.project_id = projects.project_id
where cost.transaction_type = 'cost'
