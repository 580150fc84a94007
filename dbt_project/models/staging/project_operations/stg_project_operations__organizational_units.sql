-- The current organizational units (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    organizational_unit_id,
    organizational_unit_name,
    company_code,
    cost_currency_code,
    _file_name,
    _row_number
from {{ ref('base_project_operations__organizational_units') }}
where is_current
