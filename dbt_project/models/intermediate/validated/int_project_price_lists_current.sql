-- The current project price lists (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    price_list_id,
    organizational_unit_id,
    contract_id,
    _file_name,
    _row_number
from {{ ref('int_project_price_lists_validated') }}
where is_current
