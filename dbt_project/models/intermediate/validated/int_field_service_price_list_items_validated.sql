-- Every delivered msdyn_fieldservicepricelistitem row, typed, with its R4 outcome (R13 service rules: rounding,
-- minimum charge, flat fee). Keyed by price list and product; a blank product applies to every service of the list.
-- Validated layer (D-S14): its reference checks read other entities' current rows, so it sits above staging.
{{ config(materialized='table') }}
with row_checked as (
    select * from {{ ref('base_field_service__field_service_price_list_items_typed') }}
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
