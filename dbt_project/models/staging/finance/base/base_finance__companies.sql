-- Every delivered cdm_company (legal entity) row, typed, with its R4 outcome.
with source as (
    select * from {{ source('finance', 'cdm_company') }}
),

renamed as (
    select
        source.*,
        upper(trim(cdm_companycode)) as company_code,
        name as company_name,
        upper(trim(accountingcurrency)) as accounting_currency_code
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['cdm_companycode', 'accountingcurrency']) }}
        end as problem
    from renamed
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['company_code'], versioned=false) }}
)

select
    company_code,
    company_name,
    accounting_currency_code,
    {{ staging_outcome(
        table_name='cdm_company',
        source_relation=source('finance', 'cdm_company'),
        record_id='company_code',
        partition_by=['company_code'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
