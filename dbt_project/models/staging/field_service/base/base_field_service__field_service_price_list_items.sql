-- Every delivered msdyn_fieldservicepricelistitem row, typed, with its R4 outcome (R13 service rules: rounding,
-- minimum charge, flat fee). Keyed by price list and product; a blank product applies to every service of the list.
with source as (
    select * from {{ source('field_service', 'msdyn_fieldservicepricelistitem') }}
),

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
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['price_list_id', 'product_id'], versioned=false) }}
),

reference_checked as (
    select
        version_checked.*,
        coalesce(version_checked.problem, version_checked.version_problem, case
            {{- when_unknown('version_checked.price_list_id', 'price_lists.price_list_id', 'price list') }}
            {{- when_unknown('version_checked.product_id', 'products.product_id', 'product') }}
        end) as reject_reason
    from version_checked
    left join {{ ref('stg_field_service__price_lists') }} as price_lists
        on version_checked.price_list_id = price_lists.price_list_id
    left join {{ ref('stg_field_service__products') }} as products
        on version_checked.product_id = products.product_id
)

select
    price_list_id,
    product_id,
    rounding_policy,
    minimum_charge_minutes,
    minimum_charge_amount,
    rounding_to_minutes,
    is_flat_fee,
    {{ staging_outcome(
        table_name='msdyn_fieldservicepricelistitem',
        source_relation=source('field_service', 'msdyn_fieldservicepricelistitem'),
        record_id="concat_ws('|', price_list_id, coalesce(product_id, ''))",
        partition_by=['price_list_id', 'product_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from reference_checked
