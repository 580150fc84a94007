-- Every delivered msdyn_project row, typed, with its R4 outcome.
-- Validated layer (D-S14): its reference checks read other entities' current rows, so it sits above staging.
{{ config(materialized='table') }}
with row_checked as (
    select * from {{ ref('base_project_operations__projects_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['project_id'], versioned=false) }}
),

reference_checked as (
    select
        version_checked.*,
        coalesce(version_checked.problem, version_checked.version_problem, case
            {{- when_unknown('version_checked.customer_id', 'customers.account_id', 'customer') }}
            {{- when_unknown('version_checked.contracting_unit_id', 'units.organizational_unit_id', 'contracting unit') }}
            {{- when_unknown('version_checked.contract_id', 'contracts.contract_id', 'project contract') }}
        end) as reject_reason
    from version_checked
    left join {{ ref('stg_field_service__accounts') }} as customers
        on version_checked.customer_id = customers.account_id
    left join {{ ref('stg_project_operations__organizational_units') }} as units
        on version_checked.contracting_unit_id = units.organizational_unit_id
    left join {{ ref('int_contracts_current') }} as contracts
        on version_checked.contract_id = contracts.contract_id
)

select
    project_id,
    customer_id,
    contracting_unit_id,
    contract_id,
    project_name,
    currency_code,
    project_group,
    actual_end_date,
    {{ staging_outcome(
        table_name='msdyn_project',
        source_relation=source('project_operations', 'msdyn_project'),
        record_id='project_id',
        partition_by=['project_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from reference_checked
