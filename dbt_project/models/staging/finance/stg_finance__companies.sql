-- The current companies (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    company_code,
    company_name,
    accounting_currency_code,
    _file_name,
    _row_number
from {{ ref('base_finance__companies') }}
where is_current
