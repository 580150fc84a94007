-- The current field service price list items (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    price_list_id,
    product_id,
    rounding_policy,
    minimum_charge_minutes,
    minimum_charge_amount,
    rounding_to_minutes,
    is_flat_fee,
    _file_name,
    _row_number
from {{ ref('int_field_service_price_list_items_validated') }}
where is_current
