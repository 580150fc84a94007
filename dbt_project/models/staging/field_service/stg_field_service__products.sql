-- The current products (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    product_id,
    default_unit_id,
    product_number,
    product_name,
    product_type,
    list_price,
    standard_cost,
    current_cost,
    _file_name,
    _row_number
from {{ ref('base_field_service__products') }}
where is_current
