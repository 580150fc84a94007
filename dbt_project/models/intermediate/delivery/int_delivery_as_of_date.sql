-- SPEC §2 as_of_date default: the date of the latest modifiedon delivered in any transactional table.
select max(as_of_date) as as_of_date
from (
    select max(cast(modified_at as date)) as as_of_date from {{ ref('stg_field_service__work_order_versions') }}
    union all
    select max(cast(modified_at as date)) from {{ ref('stg_field_service__work_order_product_versions') }}
    union all
    select max(cast(modified_at as date)) from {{ ref('stg_field_service__work_order_service_versions') }}
    union all
    select max(cast(modified_at as date)) from {{ ref('stg_project_operations__milestone_versions') }}
) as latest
