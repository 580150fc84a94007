-- R1: the current version of each approval (highest versionnumber among accepted rows); deletions flagged.
select
    approval_id,
    mul_id,
    record_stage,
    version_number,
    is_deleted,
    approved_at,
    modified_at,
    _file_name,
    _row_number
from {{ ref('base_project_operations__approvals') }}
where is_current
