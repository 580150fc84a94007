-- Every delivered salesorder (project contract) row, typed, with its R4 outcome.
-- Validated layer (D-S14): its reference checks read other entities' current rows, so it sits above staging.
{{ config(materialized='table') }}
with row_checked as (
    select * from {{ ref('base_project_operations__contracts_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['contract_id'], versioned=false) }}
),

reference_checked as (
    select
        version_checked.*,
        coalesce(version_checked.problem, version_checked.version_problem, case
            {{- when_unknown('version_checked.customer_id', 'customers.account_id', 'customer') }}
            {{- when_unknown('version_checked.price_list_id', 'price_lists.price_list_id', 'price list') }}
            {{- when_unknown('version_checked.contracting_unit_id', 'units.organizational_unit_id', 'contracting unit') }}
        end) as reject_reason
    from version_checked
    left join {{ ref('stg_field_service__accounts') }} as customers
        on version_checked.customer_id = customers.account_id
    left join {{ ref('stg_field_service__price_lists') }} as price_lists
        on version_checked.price_list_id = price_lists.price_list_id
    left join {{ ref('stg_project_operations__organizational_units') }} as units
        on version_checked.contracting_unit_id = units.organizational_unit_id
)

select
    contract_id,
    customer_id,
    price_list_id,
    contracting_unit_id,
    contract_number,
    contract_name,
    currency_code,
    company_code,
    contract_state_code,
    not_to_exceed_limit,
    {{ staging_outcome(
        table_name='salesorder',
        source_relation=source('project_operations', 'salesorder'),
        record_id='contract_id',
        partition_by=['contract_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from reference_checked
