-- Every delivered account row, typed, with its R4 outcome. A setup snapshot: the newest landing's row is current.
with row_checked as (
    select * from {{ ref('base_field_service__accounts_typed') }}
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
