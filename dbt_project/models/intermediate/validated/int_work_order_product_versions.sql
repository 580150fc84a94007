-- R1/R4: every accepted row version of work order products (rejected rows are in rpt_rejected_rows).
select
    work_order_product_id,
    work_order_id,
    product_id,
    unit_id,
    price_list_id,
    warehouse_id,
    line_status,
    version_number,
    estimate_quantity,
    quantity,
    quantity_to_bill,
    manual_unit_price,
    manual_unit_cost,
    discount_percent,
    additional_cost,
    commission_costs,
    is_deleted,
    modified_at,
    is_current as is_current_version,
    _file_name,
    _row_number
from {{ ref('int_work_order_products_validated') }}
where reject_reason is null
