-- The current exchange rates (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    from_currency_code,
    to_currency_code,
    valid_from,
    exchange_rate,
    _file_name,
    _row_number
from {{ ref('base_finance__exchange_rates') }}
where is_current
