-- Every delivered taxgroup row, typed, with its R4 outcome.
with row_checked as (
    select * from {{ ref('base_finance__tax_groups_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['tax_group_id'], versioned=false) }}
)

select
    tax_group_id,
    tax_rate_percent,
    {{ staging_outcome(
        table_name='taxgroup',
        source_relation=source('finance', 'taxgroup'),
        record_id='tax_group_id',
        partition_by=['tax_group_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
