-- Every delivered productpricelevel row, typed, with its R4 outcome. A setup snapshot: the newest landing's row is
-- current. Pricing methods of R12: 1 currency amount, 3 markup over current cost, 5 markup over standard cost.
-- Validated layer (D-S14): its reference checks read other entities' current rows, so it sits above staging.
{{ config(materialized='table') }}
with row_checked as (
    select * from {{ ref('base_field_service__price_list_items_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['price_list_item_id'], versioned=false) }}
),

reference_checked as (
    select
        version_checked.*,
        coalesce(version_checked.problem, version_checked.version_problem, case
            {{- when_unknown('version_checked.price_list_id', 'price_lists.price_list_id', 'price list') }}
            {{- when_unknown('version_checked.product_id', 'products.product_id', 'product') }}
            {{- when_unknown('version_checked.unit_id', 'units.unit_id', 'unit') }}
        end) as reject_reason
    from version_checked
    left join {{ ref('stg_field_service__price_lists') }} as price_lists
        on version_checked.price_list_id = price_lists.price_list_id
    left join {{ ref('stg_field_service__products') }} as products
        on version_checked.product_id = products.product_id
    left join {{ ref('stg_field_service__units') }} as units
        on version_checked.unit_id = units.unit_id
)

select
    price_list_item_id,
    price_list_id,
    product_id,
    unit_id,
    pricing_method,
    price_amount,
    markup_percent,
    {{ staging_outcome(
        table_name='productpricelevel',
        source_relation=source('field_service', 'productpricelevel'),
        record_id='price_list_item_id',
        partition_by=['price_list_item_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from reference_checked
