-- What must be priced and costed (R10, R12–R14): each usage revision (at its usage date, R11) and each current
-- estimate (at its work order's creation date), with the product, unit, price list and contract context.
{{ config(materialized='table') }}  -- computed once: the ledgers, estimates, rejections and tests read it

with usage as (
    select
        revision_id as request_id,
        'usage' as request_kind,
        work_order_line_id,
        line_type,
        usage_date as pricing_date,
        product_id,
        unit_id,
        price_list_id,
        project_id,
        manual_unit_price,
        manual_unit_cost
    from {{ ref('int_line_revisions_recorded') }}
    where is_usage
),

estimates as (
    select
        {{ hash_id(['lines.work_order_line_id', "'estimate'"]) }} as request_id,
        'estimate' as request_kind,
        lines.work_order_line_id,
        lines.line_type,
        cast(work_orders.created_at as date) as pricing_date,
        lines.product_id,
        lines.unit_id,
        coalesce(lines.price_list_id, work_orders.price_list_id) as price_list_id,
        work_orders.project_id,
        lines.manual_unit_price,
        lines.manual_unit_cost
    from {{ ref('int_work_order_lines_current') }} as lines
    inner join {{ ref('int_work_orders_current') }} as work_orders
        on lines.work_order_id = work_orders.work_order_id
    where not lines.is_deleted
        and not work_orders.is_deleted
        and work_orders.system_status <> 'canceled'
        and work_orders.project_id is not null
        and lines.estimate_quantity > 0
),

requests as (
    select * from usage
    union all
    select * from estimates
)

select
    requests.request_id,
    requests.request_kind,
    requests.work_order_line_id,
    requests.line_type,
    requests.pricing_date,
    requests.product_id,
    coalesce(requests.unit_id, products.default_unit_id) as unit_id,
    requests.price_list_id,
    requests.project_id,
    requests.manual_unit_price,
    requests.manual_unit_cost,
    projects.contract_id,
    projects.contract_currency_code,
    projects.contract_price_list_id,
    projects.contracting_unit_id,
    projects.cost_currency_code,
    products.list_price,
    products.current_cost,
    products.standard_cost
from requests
left join {{ ref('stg_field_service__products') }} as products
    on requests.product_id = products.product_id
left join {{ ref('int_projects_contract_lines') }} as projects
    on requests.project_id = projects.project_id
