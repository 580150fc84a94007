-- The current price lists (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    price_list_id,
    price_list_name,
    currency_code,
    price_list_context,
    valid_from,
    valid_to,
    created_at,
    _file_name,
    _row_number
from {{ ref('base_field_service__price_lists') }}
where is_current
