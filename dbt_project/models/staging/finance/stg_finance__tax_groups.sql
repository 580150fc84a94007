-- The current tax groups (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    tax_group_id,
    tax_rate_percent,
    _file_name,
    _row_number
from {{ ref('base_finance__tax_groups') }}
where is_current
