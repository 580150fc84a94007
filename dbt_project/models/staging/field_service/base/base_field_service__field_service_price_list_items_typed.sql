-- Every landed row of msdyn_fieldservicepricelistitem typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in int_field_service_price_list_items_validated.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        -- ids
        msdyn_pricelist as price_list_id,
        msdyn_product as product_id,
        -- strings
        coalesce({{ to_word('msdyn_roundingpolicy', ['none', 'up', 'down', 'nearest']) }},
            case when nullif(trim(msdyn_roundingpolicy), '') is null then 'none' end) as rounding_policy,
        -- numerics
        {{ to_decimal('msdyn_minimumchargeduration', 4) }} as minimum_charge_minutes,
        {{ to_decimal('msdyn_minimumchargeamount', 2) }} as minimum_charge_amount,
        {{ to_decimal('msdyn_roundingto', 4) }} as rounding_to_minutes,
        -- booleans
        coalesce({{ to_boolean('msdyn_flatfee') }}, false) as is_flat_fee
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['msdyn_pricelist']) }}
            {{- when_out_of_range([
                ('msdyn_minimumchargeduration', 'minutes'),
                ('msdyn_roundingto', 'minutes'),
                ('msdyn_minimumchargeamount', 'amount'),
            ]) }}
            {{- when_bad_type([
                ('msdyn_roundingpolicy', 'rounding_policy', 'a rounding policy (none, up, down, nearest)'),
                ('msdyn_minimumchargeduration', 'minimum_charge_minutes', 'a number of minutes'),
                ('msdyn_minimumchargeamount', 'minimum_charge_amount', 'an amount with at most 2 decimals'),
                ('msdyn_roundingto', 'rounding_to_minutes', 'a number of minutes'),
                ('msdyn_flatfee', to_boolean('msdyn_flatfee'), 'true or false'),
            ]) }}
            when rounding_policy <> 'none' and coalesce(rounding_to_minutes, 0) <= 0
                then 'bad_type: msdyn_roundingto must be a positive number of minutes when rounding is ' || rounding_policy
            {{- when_negative(['minimum_charge_minutes']) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('field_service', 'msdyn_fieldservicepricelistitem') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
