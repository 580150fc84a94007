-- The current accounts (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    account_id,
    tax_group_id,
    account_name,
    account_number,
    company_code,
    currency_code,
    _file_name,
    _row_number
from {{ ref('base_field_service__accounts') }}
where is_current
