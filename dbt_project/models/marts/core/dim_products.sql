-- One row per product or service (current state) with its type, default unit and prices.
select
    products.product_id,
    products.product_number,
    products.product_name,
    products.product_type,
    products.default_unit_id,
    units.unit_name as default_unit_name,
    products.list_price,
    products.standard_cost,
    products.current_cost
from {{ ref('stg_field_service__products') }} as products
left join {{ ref('stg_field_service__units') }} as units
    on products.default_unit_id = units.unit_id
