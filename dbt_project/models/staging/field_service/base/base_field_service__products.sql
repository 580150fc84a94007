-- Every delivered product row, typed, with its R4 outcome. A setup snapshot: the newest landing's row is current.
with source as (
    select * from {{ source('field_service', 'product') }}
),

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
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['product_id'], versioned=false) }}
)

select
    product_id,
    default_unit_id,
    product_number,
    product_name,
    product_type,
    list_price,
    standard_cost,
    current_cost,
    {{ staging_outcome(
        table_name='product',
        source_relation=source('field_service', 'product'),
        record_id='product_id',
        partition_by=['product_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
