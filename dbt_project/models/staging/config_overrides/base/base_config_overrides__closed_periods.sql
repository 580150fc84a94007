-- Every delivered row of a closed_periods override file (SPEC §3.3), typed, with its R4 outcome.
with row_checked as (
    select * from {{ ref('base_config_overrides__closed_periods_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['closed_legal_entity'], versioned=false) }}
)

select
    closed_legal_entity,
    closed_through_date,
    closed_description,
    {{ staging_outcome(
        table_name='closed_periods',
        source_relation=source('config_overrides', 'closed_periods'),
        record_id='closed_legal_entity',
        partition_by=['closed_legal_entity'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
