-- Every delivered msdyn_organizationalunit row (contracting units), typed, with its R4 outcome.
with source as (
    select * from {{ source('project_operations', 'msdyn_organizationalunit') }}
),

renamed as (
    select
        source.*,
        msdyn_organizationalunitid as organizational_unit_id,
        msdyn_name as organizational_unit_name,
        upper(trim(msdyn_company)) as company_code,
        upper(trim(transactioncurrencyid)) as cost_currency_code
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['msdyn_organizationalunitid', 'transactioncurrencyid']) }}
        end as problem
    from renamed
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['organizational_unit_id'], versioned=false) }}
)

select
    organizational_unit_id,
    organizational_unit_name,
    company_code,
    cost_currency_code,
    {{ staging_outcome(
        table_name='msdyn_organizationalunit',
        source_relation=source('project_operations', 'msdyn_organizationalunit'),
        record_id='organizational_unit_id',
        partition_by=['organizational_unit_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
