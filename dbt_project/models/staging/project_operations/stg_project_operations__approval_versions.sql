-- R1/R4: every accepted row version of approvals (rejected rows are in rpt_rejected_rows).
select
    approval_id,
    mul_id,
    record_stage,
    version_number,
    is_deleted,
    approved_at,
    modified_at,
    is_current as is_current_version,
    _file_name,
    _row_number
from {{ ref('base_project_operations__approvals') }}
where reject_reason is null
