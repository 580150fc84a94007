-- R1: the current version of every work order line, products and services in one shape.
{{ config(materialized='table') }}  -- computed once: the ledgers, estimates, rejections and tests read it

select lines.*
from {{ ref('int_work_order_line_versions') }} as lines
inner join (
    select work_order_product_id as work_order_line_id, version_number
    from {{ ref('stg_field_service__work_order_products') }}
    union all
    select work_order_service_id, version_number
    from {{ ref('stg_field_service__work_order_services') }}
) as current_versions
    on lines.work_order_line_id = current_versions.work_order_line_id
    and lines.version_number = current_versions.version_number
