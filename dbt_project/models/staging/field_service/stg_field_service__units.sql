-- The current units (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    unit_id,
    unit_name,
    _file_name,
    _row_number
from {{ ref('base_field_service__units') }}
where is_current
