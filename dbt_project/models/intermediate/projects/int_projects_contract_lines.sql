-- R7–R9: for every project, its contract, customer, contracting unit and the one contract line that includes
-- materials (work order products and services are transaction class Material). No such line: billing type
-- not available; more than one: ambiguous (the lines are held back with ambiguous_contract_line).
with projects as (
    select * from {{ ref('int_projects_current') }}
),

contracts as (
    select * from {{ ref('int_contracts_current') }}
),

material_lines as (
    select
        projects.project_id,
        count(lines.contract_line_id) as material_line_count,
        min(lines.contract_line_id) as first_material_line_id
    from projects
    left join {{ ref('int_contract_lines_current') }} as lines
        on lines.project_id = projects.project_id
        and lines.includes_materials
        and (projects.contract_id is null or lines.contract_id = projects.contract_id)
    group by projects.project_id
)

select
    projects.project_id,
    projects.project_name,
    projects.project_group,
    projects.contracting_unit_id,
    units.cost_currency_code,
    units.company_code as contracting_unit_company_code,
    coalesce(projects.contract_id, lines.contract_id) as contract_id,
    coalesce(contracts.customer_id, projects.customer_id) as customer_id,
    contracts.company_code as contract_company_code,
    coalesce(contracts.currency_code, projects.currency_code) as contract_currency_code,
    contracts.price_list_id as contract_price_list_id,
    contracts.not_to_exceed_limit as contract_not_to_exceed_limit,
    material_lines.material_line_count,
    case when material_lines.material_line_count = 1 then lines.contract_line_id end as contract_line_id,
    case when material_lines.material_line_count = 1 then lines.billing_method end as billing_method,
    case when material_lines.material_line_count = 1 then lines.not_to_exceed_limit end as line_not_to_exceed_limit,
    case
        when material_lines.material_line_count = 1 then 'chargeable'
        when material_lines.material_line_count = 0 then 'not_available'
    end as billing_type
from projects
inner join material_lines
    on projects.project_id = material_lines.project_id
left join {{ ref('int_contract_lines_current') }} as lines
    on material_lines.first_material_line_id = lines.contract_line_id
left join contracts
    on coalesce(projects.contract_id, lines.contract_id) = contracts.contract_id
left join {{ ref('stg_project_operations__organizational_units') }} as units
    on projects.contracting_unit_id = units.organizational_unit_id
