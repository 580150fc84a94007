-- Every delivered salesorderdetail (contract line) row, typed, with its R4 outcome. Invoice frequency may be
-- a word or the msdyn_period code; empty means monthly (SPEC §1.2).
-- Validated layer (D-S14): its reference checks read other entities' current rows, so it sits above staging.
{{ config(materialized='table') }}
with row_checked as (
    select * from {{ ref('base_project_operations__contract_lines_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['contract_line_id'], versioned=false) }}
),

reference_checked as (
    select
        version_checked.*,
        coalesce(version_checked.problem, version_checked.version_problem, case
            {{- when_unknown('version_checked.contract_id', 'contracts.contract_id', 'project contract') }}
            {{- when_unknown('version_checked.project_id', 'projects.project_id', 'project') }}
        end) as reject_reason
    from version_checked
    left join {{ ref('int_contracts_current') }} as contracts
        on version_checked.contract_id = contracts.contract_id
    left join {{ ref('int_projects_current') }} as projects
        on version_checked.project_id = projects.project_id
)

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
    {{ staging_outcome(
        table_name='salesorderdetail',
        source_relation=source('project_operations', 'salesorderdetail'),
        record_id='contract_line_id',
        partition_by=['contract_line_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from reference_checked
