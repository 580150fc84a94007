-- Every landed row of taxgroup typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in base_finance__tax_groups.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        taxgroupid as tax_group_id,
        {{ to_decimal('rate_percent', 4) }} as tax_rate_percent
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['taxgroupid', 'rate_percent']) }}
            {{- when_out_of_range([('rate_percent', 'percent')]) }}
            {{- when_bad_type([('rate_percent', 'tax_rate_percent', 'a percentage with at most 4 decimals')]) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('finance', 'taxgroup') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
