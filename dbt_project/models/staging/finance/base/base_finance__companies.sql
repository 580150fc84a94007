-- Every delivered cdm_company (legal entity) row, typed, with its R4 outcome.
with row_checked as (
    select * from {{ ref('base_finance__companies_typed') }}
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
