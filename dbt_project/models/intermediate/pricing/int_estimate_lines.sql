-- R10: one cost and one sales estimate line (class Material) per current work order line on a project with an
-- estimate > 0, priced at the work order's creation date: amount = round(estimate quantity × unit price or
-- cost) — no discount, rounding policy or minimum charge. Current state: rebuilt every run. In intermediate, so
-- that R27 (int_revenue_recognition_recorded) reads the estimated cost from below it; published as
-- fct_estimate_lines.
with requests as (
    select * from {{ ref('int_pricing_requests') }}
    where request_kind = 'estimate'
),

lines as (
    select
        requests.request_id,
        requests.work_order_line_id,
        lines.work_order_id,
        requests.project_id,
        requests.product_id,
        requests.unit_id,
        lines.line_type,
        requests.pricing_date,
        lines.estimate_quantity as quantity,
        costs.unit_cost,
        costs.cost_source,
        sales.unit_price,
        sales.price_source,
        requests.cost_currency_code,
        requests.contract_currency_code
    from requests
    inner join {{ ref('int_work_order_lines_current') }} as lines
        on requests.work_order_line_id = lines.work_order_line_id
    inner join {{ ref('int_sales_prices_resolved') }} as sales
        on requests.request_id = sales.request_id
    inner join {{ ref('int_cost_prices_resolved') }} as costs
        on requests.request_id = costs.request_id
)

select
    {{ hash_id(['work_order_line_id', "'estimate'", "'cost'"]) }} as estimate_line_id,
    work_order_line_id,
    work_order_id,
    project_id,
    product_id,
    unit_id,
    line_type,
    'cost' as transaction_type,
    'material' as transaction_class,
    pricing_date,
    cast(quantity as decimal(18, 4)) as quantity,
    unit_cost as unit_price,
    {{ money('cast(quantity as decimal(38, 4)) * unit_cost') }} as amount,
    cost_source as price_source,
    cost_currency_code as currency_code
from lines
union all
select
    {{ hash_id(['work_order_line_id', "'estimate'", "'sales'"]) }},
    work_order_line_id,
    work_order_id,
    project_id,
    product_id,
    unit_id,
    line_type,
    'sales',
    'material',
    pricing_date,
    cast(quantity as decimal(18, 4)),
    unit_price,
    {{ money('cast(quantity as decimal(38, 4)) * unit_price') }},
    price_source,
    contract_currency_code
from lines
