-- Every landed row of exchangerate typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in base_finance__exchange_rates.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        upper(trim(fromcurrency)) as from_currency_code,
        upper(trim(tocurrency)) as to_currency_code,
        {{ to_date('validfrom') }} as valid_from,
        {{ to_decimal('rate', 8) }} as exchange_rate,
        concat_ws('|', upper(trim(fromcurrency)), upper(trim(tocurrency)), validfrom) as exchange_rate_key
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['fromcurrency', 'tocurrency', 'validfrom', 'rate']) }}
            {{- when_out_of_range([('rate', 'exchange_rate')]) }}
            {{- when_bad_type([
                ('validfrom', 'valid_from', 'an ISO-8601 date'),
                ('rate', 'exchange_rate', 'a number with at most 8 decimals'),
            ]) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('finance', 'exchangerate') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
