-- Every delivered row of a main_accounts override file, typed, with its R4 outcome.
with row_checked as (
    select * from {{ ref('base_config_overrides__main_accounts_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['main_account_key'], versioned=false) }}
)

select
    account_legal_entity,
    account_posting_type,
    account_number,
    account_description,
    {{ staging_outcome(
        table_name='main_accounts',
        source_relation=source('config_overrides', 'main_accounts'),
        record_id='main_account_key',
        partition_by=['main_account_key'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
