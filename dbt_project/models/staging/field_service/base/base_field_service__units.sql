-- Every delivered uom row, typed, with its R4 outcome. A setup snapshot: the newest landing's row is current.
with row_checked as (
    select * from {{ ref('base_field_service__units_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['unit_id'], versioned=false) }}
)

select
    unit_id,
    unit_name,
    {{ staging_outcome(
        table_name='uom',
        source_relation=source('field_service', 'uom'),
        record_id='unit_id',
        partition_by=['unit_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
