-- Every delivered productpricelevel row, typed, with its R4 outcome. A setup snapshot: the newest landing's row is
-- current. Pricing methods of R12: 1 currency amount, 3 markup over current cost, 5 markup over standard cost.
with source as (
    select * from {{ source('field_service', 'productpricelevel') }}
),

renamed as (
    select
        source.*,
        -- ids
        productpricelevelid as price_list_item_id,
        pricelevelid as price_list_id,
        productid as product_id,
        uomid as unit_id,
        -- strings
        {{ decode('pricingmethodcode', {
            1: 'currency_amount', 3: 'markup_current_cost', 5: 'markup_standard_cost'}) }} as pricing_method,
        -- numerics
        {{ to_decimal('amount', 4) }} as price_amount,
        {{ to_decimal('percentage', 4) }} as markup_percent
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['productpricelevelid', 'pricelevelid', 'productid', 'pricingmethodcode']) }}
            {{- when_out_of_range([('amount', 'unit_price'), ('percentage', 'markup_percent')]) }}
            {{- when_bad_type([
                ('pricingmethodcode', 'pricing_method',
                    'a supported pricing method (1 currency amount, 3 markup over current cost, 5 markup over standard cost)'),
                ('amount', 'price_amount', 'an amount with at most 4 decimals'),
                ('percentage', 'markup_percent', 'a percentage with at most 4 decimals'),
            ]) }}
            when pricing_method = 'currency_amount' and price_amount is null
                then 'missing_required: amount is empty for pricing method 1 (currency amount)'
        end as problem
    from renamed
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
