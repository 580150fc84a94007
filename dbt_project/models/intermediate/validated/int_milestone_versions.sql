-- R1/R4: every accepted row version of milestones (rejected rows are in rpt_rejected_rows).
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
    is_current as is_current_version,
    _file_name,
    _row_number
from {{ ref('int_milestones_validated') }}
where reject_reason is null
