-- Every delivered row version of msdyn_workorderproduct, typed, with its R4 outcome (rejected / current / older).
with source as (
    select * from {{ source('field_service', 'msdyn_workorderproduct') }}
),

renamed as (
    select
        source.*,
        -- ids
        msdyn_workorderproductid as work_order_product_id,
        msdyn_workorder as work_order_id,
        msdyn_product as product_id,
        msdyn_unit as unit_id,
        msdyn_pricelist as price_list_id,
        msdyn_warehouse as warehouse_id,
        -- strings
        {{ decode('msdyn_linestatus', {690970000: 'estimated', 690970001: 'used'}) }} as line_status,
        -- numerics
        {{ to_integer('versionnumber') }} as version_number,
        {{ to_decimal('msdyn_estimatequantity', 4) }} as estimate_quantity,
        {{ to_decimal('msdyn_quantity', 4) }} as quantity,
        {{ to_decimal('msdyn_qtytobill', 4) }} as quantity_to_bill,
        {{ to_decimal('msdyn_unitamount', 4) }} as manual_unit_price,
        {{ to_decimal('msdyn_unitcost', 4) }} as manual_unit_cost,
        {{ to_decimal('msdyn_discountpercent', 4) }} as discount_percent,
        {{ to_decimal('msdyn_additionalcost', 2) }} as additional_cost,
        {{ to_decimal('msdyn_commissioncosts', 2) }} as commission_costs,
        -- booleans
        coalesce({{ to_boolean('isdelete') }}, false) as is_deleted,
        -- timestamps
        {{ to_timestamp('modifiedon') }} as modified_at
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['msdyn_workorderproductid', 'versionnumber', 'modifiedon']) }}
            {{- when_missing(['msdyn_workorder', 'msdyn_product', 'msdyn_linestatus'], unless='is_deleted') }}
            {{- when_out_of_range([
                ('msdyn_estimatequantity', 'quantity'),
                ('msdyn_quantity', 'quantity'),
                ('msdyn_qtytobill', 'quantity'),
                ('msdyn_unitamount', 'unit_price'),
                ('msdyn_unitcost', 'unit_price'),
                ('msdyn_discountpercent', 'percent'),
                ('msdyn_additionalcost', 'amount'),
                ('msdyn_commissioncosts', 'amount'),
            ]) }}
            {{- when_bad_type([
                ('versionnumber', 'version_number', 'a whole number'),
                ('modifiedon', 'modified_at', 'an ISO-8601 timestamp'),
                ('isdelete', to_boolean('isdelete'), 'true or false'),
                ('msdyn_linestatus', 'line_status', 'a line status (690970000 Estimated, 690970001 Used)'),
                ('msdyn_estimatequantity', 'estimate_quantity', 'a number with at most 4 decimals'),
                ('msdyn_quantity', 'quantity', 'a number with at most 4 decimals'),
                ('msdyn_qtytobill', 'quantity_to_bill', 'a number with at most 4 decimals'),
                ('msdyn_unitamount', 'manual_unit_price', 'an amount with at most 4 decimals'),
                ('msdyn_unitcost', 'manual_unit_cost', 'an amount with at most 4 decimals'),
                ('msdyn_discountpercent', 'discount_percent', 'a percentage with at most 4 decimals'),
                ('msdyn_additionalcost', 'additional_cost', 'an amount with at most 2 decimals'),
                ('msdyn_commissioncosts', 'commission_costs', 'an amount with at most 2 decimals'),
            ]) }}
            {{- when_negative(['estimate_quantity', 'quantity', 'quantity_to_bill']) }}
            {{- when_future([('modifiedon', 'modified_at')]) }}
        end as problem
    from renamed
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['work_order_product_id', 'version_number']) }}
),

reference_checked as (
    select
        version_checked.*,
        coalesce(version_checked.problem, version_checked.version_problem, case
            {{- when_unknown('version_checked.work_order_id', 'work_orders.work_order_id', 'work order', unless='version_checked.is_deleted') }}
            {{- when_unknown('version_checked.product_id', 'products.product_id', 'product', unless='version_checked.is_deleted') }}
            {{- when_unknown('version_checked.unit_id', 'units.unit_id', 'unit', unless='version_checked.is_deleted') }}
            {{- when_unknown('version_checked.price_list_id', 'price_lists.price_list_id', 'price list', unless='version_checked.is_deleted') }}
        end) as reject_reason
    from version_checked
    left join {{ ref('stg_field_service__work_orders') }} as work_orders
        on version_checked.work_order_id = work_orders.work_order_id
    left join {{ ref('stg_field_service__products') }} as products
        on version_checked.product_id = products.product_id
    left join {{ ref('stg_field_service__units') }} as units
        on version_checked.unit_id = units.unit_id
    left join {{ ref('stg_field_service__price_lists') }} as price_lists
        on version_checked.price_list_id = price_lists.price_list_id
)

select
    work_order_product_id,
    work_order_id,
    product_id,
    unit_id,
    price_list_id,
    warehouse_id,
    line_status,
    version_number,
    estimate_quantity,
    quantity,
    quantity_to_bill,
    manual_unit_price,
    manual_unit_cost,
    discount_percent,
    additional_cost,
    commission_costs,
    is_deleted,
    modified_at,
    {{ staging_outcome(
        table_name='msdyn_workorderproduct',
        source_relation=source('field_service', 'msdyn_workorderproduct'),
        record_id='work_order_product_id',
        partition_by=['work_order_product_id'],
        newest_first=['version_number desc'],
    ) }}
from reference_checked
