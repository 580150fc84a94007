-- The current price list items (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    price_list_item_id,
    price_list_id,
    product_id,
    unit_id,
    pricing_method,
    price_amount,
    markup_percent,
    _file_name,
    _row_number
from {{ ref('int_price_list_items_validated') }}
where is_current
