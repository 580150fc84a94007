-- One row per project (current state): customer, contracting unit, contract and its material contract line
-- (R7–R9).
select
    project_id,
    project_name,
    project_group,
    customer_id,
    contract_id,
    contract_line_id,
    material_line_count,
    billing_method,
    billing_type,
    contracting_unit_id,
    contracting_unit_company_code,
    cost_currency_code,
    contract_company_code as legal_entity,
    contract_currency_code
from {{ ref('int_projects_contract_lines') }}
