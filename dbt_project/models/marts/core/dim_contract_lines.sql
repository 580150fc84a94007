-- One row per contract line (salesorderdetail, current state): billing method, what it includes, invoicing.
select
    lines.contract_line_id,
    lines.contract_id,
    contracts.contract_number,
    lines.project_id,
    lines.billing_method,
    lines.includes_materials,
    lines.includes_time,
    lines.invoice_frequency,
    lines.billing_start_date,
    lines.contracted_amount,
    lines.not_to_exceed_limit
from {{ ref('int_contract_lines_current') }} as lines
left join {{ ref('int_contracts_current') }} as contracts
    on lines.contract_id = contracts.contract_id
