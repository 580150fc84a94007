-- Every landed row of pricelevel typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in base_field_service__price_lists.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        -- ids
        pricelevelid as price_list_id,
        -- strings
        name as price_list_name,
        upper(trim(transactioncurrencyid)) as currency_code,
        {{ decode('msdyn_module', {192350000: 'cost', 192350001: 'purchase', 192350002: 'sales'}) }} as price_list_context,
        -- dates
        {{ to_date('begindate') }} as valid_from,
        {{ to_date('enddate') }} as valid_to,
        -- timestamps
        {{ to_timestamp('createdon') }} as created_at
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['pricelevelid', 'msdyn_module', 'transactioncurrencyid']) }}
            {{- when_bad_type([
                ('msdyn_module', 'price_list_context', 'a price list context (192350000 Cost, 192350001 Purchase, 192350002 Sales)'),
                ('begindate', 'valid_from', 'an ISO-8601 date'),
                ('enddate', 'valid_to', 'an ISO-8601 date'),
                ('createdon', 'created_at', 'an ISO-8601 timestamp'),
            ]) }}
            when valid_to < valid_from
                then 'bad_type: enddate ''' || enddate || ''' is before begindate ''' || begindate || ''''
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('field_service', 'pricelevel') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
