-- Every delivered msdyn_projectpricelist row: a price list attached to a contracting unit (cost) or to a contract
-- (sales), exactly one of the two, typed, with its R4 outcome.
-- Validated layer (D-S14): its reference checks read other entities' current rows, so it sits above staging.
{{ config(materialized='table') }}
with row_checked as (
    select * from {{ ref('base_project_operations__project_price_lists_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['project_price_list_key'], versioned=false) }}
),

reference_checked as (
    select
        version_checked.*,
        coalesce(version_checked.problem, version_checked.version_problem, case
            {{- when_unknown('version_checked.price_list_id', 'price_lists.price_list_id', 'price list') }}
            {{- when_unknown('version_checked.organizational_unit_id', 'units.organizational_unit_id', 'organizational unit') }}
            {{- when_unknown('version_checked.contract_id', 'contracts.contract_id', 'project contract') }}
        end) as reject_reason
    from version_checked
    left join {{ ref('stg_field_service__price_lists') }} as price_lists
        on version_checked.price_list_id = price_lists.price_list_id
    left join {{ ref('stg_project_operations__organizational_units') }} as units
        on version_checked.organizational_unit_id = units.organizational_unit_id
    left join {{ ref('int_contracts_current') }} as contracts
        on version_checked.contract_id = contracts.contract_id
)

select
    price_list_id,
    organizational_unit_id,
    contract_id,
    {{ staging_outcome(
        table_name='msdyn_projectpricelist',
        source_relation=source('project_operations', 'msdyn_projectpricelist'),
        record_id='project_price_list_key',
        partition_by=['project_price_list_key'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from reference_checked
