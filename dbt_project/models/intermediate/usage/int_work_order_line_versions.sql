-- Every accepted row version of a work order line, products and services in one shape (SPEC §1.2):
-- quantities of products in their unit; durations of services in minutes and, for cost, in hours (R13, R14).
-- is_current_version marks the line's current version (R1: the newest accepted one), as staging decided it, so
-- int_work_order_lines_current selects it here instead of joining staging again.
with products as (
    select
        work_order_product_id as work_order_line_id,
        'product' as line_type,
        work_order_id,
        product_id,
        unit_id,
        price_list_id,
        line_status,
        version_number,
        modified_at,
        is_deleted,
        is_current_version,
        estimate_quantity,
        quantity as cost_quantity,
        coalesce(quantity_to_bill, quantity) as quantity_to_bill,
        cast(null as decimal(18, 4)) as duration_to_bill_minutes,
        manual_unit_price,
        manual_unit_cost,
        discount_percent,
        additional_cost,
        commission_costs,
        _file_name,
        _row_number
    from {{ ref('int_work_order_product_versions') }}
),

services as (
    select
        work_order_service_id as work_order_line_id,
        'service' as line_type,
        work_order_id,
        product_id,
        unit_id,
        price_list_id,
        line_status,
        version_number,
        modified_at,
        is_deleted,
        is_current_version,
        cast({{ divide_round('estimate_duration_minutes', '60', 4) }} as decimal(18, 4)) as estimate_quantity,
        cast({{ divide_round('duration_minutes', '60', 4) }} as decimal(18, 4)) as cost_quantity,
        cast(null as decimal(18, 4)) as quantity_to_bill,
        coalesce(duration_to_bill_minutes, duration_minutes) as duration_to_bill_minutes,
        manual_unit_price,
        manual_unit_cost,
        discount_percent,
        additional_cost,
        commission_costs,
        _file_name,
        _row_number
    from {{ ref('int_work_order_service_versions') }}
),

unioned as (
    select * from products
    union all
    select * from services
)

select
    work_order_line_id,
    line_type,
    -- a Dataverse deletion row may carry only the id: keep the line's work order and product on it
    coalesce(work_order_id, max(work_order_id) over (partition by work_order_line_id)) as work_order_id,
    coalesce(product_id, max(product_id) over (partition by work_order_line_id)) as product_id,
    unit_id,
    price_list_id,
    line_status,
    version_number,
    modified_at,
    is_deleted,
    is_current_version,
    estimate_quantity,
    cost_quantity,
    quantity_to_bill,
    duration_to_bill_minutes,
    manual_unit_price,
    manual_unit_cost,
    discount_percent,
    additional_cost,
    commission_costs,
    _file_name,
    _row_number
from unioned
