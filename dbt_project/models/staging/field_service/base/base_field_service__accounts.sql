-- Every delivered account row, typed, with its R4 outcome. A setup snapshot: the newest landing's row is current.
with source as (
    select * from {{ source('field_service', 'account') }}
),

renamed as (
    select
        source.*,
        -- ids
        accountid as account_id,
        msdyn_salestaxgroup as tax_group_id,
        -- strings
        name as account_name,
        accountnumber as account_number,
        upper(trim(msdyn_company)) as company_code,
        upper(trim(transactioncurrencyid)) as currency_code
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['accountid']) }}
        end as problem
    from renamed
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['account_id'], versioned=false) }}
)

select
    account_id,
    tax_group_id,
    account_name,
    account_number,
    company_code,
    currency_code,
    {{ staging_outcome(
        table_name='account',
        source_relation=source('field_service', 'account'),
        record_id='account_id',
        partition_by=['account_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
