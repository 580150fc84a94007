-- Every landed row of uom typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in base_field_service__units.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        uomid as unit_id,
        name as unit_name
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['uomid']) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('field_service', 'uom') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
