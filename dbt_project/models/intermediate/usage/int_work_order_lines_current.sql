-- R1: the current version of every work order line, products and services in one shape: the version
-- int_work_order_line_versions marks current (staging's newest accepted version of the line).
{{ config(materialized='table') }}  -- computed once: the ledgers, estimates, rejections and tests read it

select
    work_order_line_id,
    line_type,
    work_order_id,
    product_id,
    unit_id,
    price_list_id,
    line_status,
    version_number,
    modified_at,
    is_deleted,
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
from {{ ref('int_work_order_line_versions') }}
where is_current_version
