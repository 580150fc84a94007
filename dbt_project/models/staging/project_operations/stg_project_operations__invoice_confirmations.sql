-- R1: the current version of each invoice confirmation (highest versionnumber among accepted rows); deletions flagged.
select
    invoice_id,
    invoice_status,
    version_number,
    is_deleted,
    modified_at,
    _file_name,
    _row_number
from {{ ref('base_project_operations__invoice_confirmations') }}
where is_current
