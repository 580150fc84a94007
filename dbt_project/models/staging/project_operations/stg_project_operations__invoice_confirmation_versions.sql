-- R1/R4: every accepted row version of invoice confirmations (rejected rows are in rpt_rejected_rows).
select
    invoice_id,
    invoice_status,
    version_number,
    is_deleted,
    modified_at,
    is_current as is_current_version,
    _file_name,
    _row_number
from {{ ref('base_project_operations__invoice_confirmations') }}
where reject_reason is null
