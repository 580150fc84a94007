-- R1: the current version of each work order service (highest versionnumber among accepted rows); deletions flagged.
select
    work_order_service_id,
    work_order_id,
    product_id,
    unit_id,
    price_list_id,
    line_status,
    version_number,
    estimate_duration_minutes,
    duration_minutes,
    duration_to_bill_minutes,
    manual_unit_price,
    manual_unit_cost,
    discount_percent,
    additional_cost,
    commission_costs,
    is_deleted,
    modified_at,
    _file_name,
    _row_number
from {{ ref('int_work_order_services_validated') }}
where is_current
