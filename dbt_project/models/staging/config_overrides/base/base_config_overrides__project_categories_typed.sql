-- Every landed row of project_categories typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in base_config_overrides__project_categories.
{{ config(materialized='view') }}

{%- set typing %}
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
)
{%- endset %}

with source as (
    select * from {{ source('config_overrides', 'project_categories') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
