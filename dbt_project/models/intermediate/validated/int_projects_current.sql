-- The current projects (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    project_id,
    customer_id,
    contracting_unit_id,
    contract_id,
    project_name,
    currency_code,
    project_group,
    actual_end_date,
    _file_name,
    _row_number
from {{ ref('int_projects_validated') }}
where is_current
