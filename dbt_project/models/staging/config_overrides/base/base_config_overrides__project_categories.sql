-- Every delivered row of a project_categories override file, typed, with its R4 outcome.
with row_checked as (
    select * from {{ ref('base_config_overrides__project_categories_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['project_category_key'], versioned=false) }}
)

select
    category_legal_entity,
    category_line_type,
    category_name,
    category_description,
    {{ staging_outcome(
        table_name='project_categories',
        source_relation=source('config_overrides', 'project_categories'),
        record_id='project_category_key',
        partition_by=['project_category_key'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
