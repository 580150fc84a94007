-- R1: the current version of each milestone (highest versionnumber among accepted rows); deletions flagged.
select
    milestone_id,
    contract_line_id,
    milestone_name,
    invoice_status,
    version_number,
    amount,
    is_deleted,
    invoice_date,
    modified_at,
    _file_name,
    _row_number
from {{ ref('int_milestones_validated') }}
where is_current
