-- Every delivered msdyn_organizationalunit row (contracting units), typed, with its R4 outcome.
with row_checked as (
    select * from {{ ref('base_project_operations__organizational_units_typed') }}
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
