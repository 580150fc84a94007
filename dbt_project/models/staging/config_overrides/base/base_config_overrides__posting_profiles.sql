-- Every delivered row of a posting_profiles override file, typed, with its R4 outcome.
with row_checked as (
    select * from {{ ref('base_config_overrides__posting_profiles_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['posting_profile_id'], versioned=false) }}
)

select
    posting_profile_id,
    profile_scope,
    profile_scope_value,
    profile_billing_method,
    accrues_revenue,
    profile_description,
    {{ staging_outcome(
        table_name='posting_profiles',
        source_relation=source('config_overrides', 'posting_profiles'),
        record_id='posting_profile_id',
        partition_by=['posting_profile_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
