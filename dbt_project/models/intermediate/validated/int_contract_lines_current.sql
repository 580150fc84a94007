-- The current contract lines (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    contract_line_id,
    contract_id,
    project_id,
    billing_method,
    invoice_frequency,
    contracted_amount,
    not_to_exceed_limit,
    includes_materials,
    includes_time,
    billing_start_date,
    _file_name,
    _row_number
from {{ ref('int_contract_lines_validated') }}
where is_current
