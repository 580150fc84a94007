-- Every delivered row of a project_categories override file, typed, with its R4 outcome.
with source as (
    select * from {{ source('config_overrides', 'project_categories') }}
),

renamed as (
    select
        source.*,
        upper(trim(legal_entity)) as category_legal_entity,
        {{ to_word('line_type', ['product', 'service', '*']) }} as category_line_type,
        trim(project_category) as category_name,
        description as category_description,
        upper(trim(legal_entity)) || '|' || lower(trim(line_type)) as project_category_key
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['legal_entity', 'line_type', 'project_category']) }}
            {{- when_bad_type([('line_type', 'category_line_type', 'a line type (product, service, *)')]) }}
        end as problem
    from renamed
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
