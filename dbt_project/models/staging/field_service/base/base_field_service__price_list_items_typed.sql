-- Every landed row of productpricelevel typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in int_price_list_items_validated.
{{ config(materialized='view') }}

{%- set typing %}
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
)
{%- endset %}

with source as (
    select * from {{ source('field_service', 'productpricelevel') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
