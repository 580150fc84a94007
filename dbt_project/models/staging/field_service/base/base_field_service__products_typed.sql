-- Every landed row of product typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in base_field_service__products.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        -- ids
        productid as product_id,
        defaultuomid as default_unit_id,
        -- strings
        productnumber as product_number,
        name as product_name,
        {{ decode('msdyn_fieldserviceproducttype', {
            690970000: 'inventory', 690970001: 'non_inventory', 690970002: 'service'}) }} as product_type,
        -- numerics
        {{ to_decimal('price', 4) }} as list_price,
        {{ to_decimal('standardcost', 4) }} as standard_cost,
        {{ to_decimal('currentcost', 4) }} as current_cost
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['productid', 'msdyn_fieldserviceproducttype']) }}
            {{- when_out_of_range([('price', 'unit_price'), ('standardcost', 'unit_price'), ('currentcost', 'unit_price')]) }}
            {{- when_bad_type([
                ('msdyn_fieldserviceproducttype', 'product_type',
                    'a product type (690970000 Inventory, 690970001 Non-Inventory, 690970002 Service)'),
                ('price', 'list_price', 'an amount with at most 4 decimals'),
                ('standardcost', 'standard_cost', 'an amount with at most 4 decimals'),
                ('currentcost', 'current_cost', 'an amount with at most 4 decimals'),
            ]) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('field_service', 'product') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
