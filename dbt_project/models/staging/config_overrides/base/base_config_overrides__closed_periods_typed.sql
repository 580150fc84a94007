-- Every landed row of closed_periods typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in base_config_overrides__closed_periods.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        upper(trim(legal_entity)) as closed_legal_entity,
        {{ to_date('closed_through') }} as closed_through_date,
        description as closed_description
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['legal_entity', 'closed_through']) }}
            {{- when_bad_type([('closed_through', 'closed_through_date', 'a date (YYYY-MM-DD)')]) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('config_overrides', 'closed_periods') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
