-- Every delivered row version of msdyn_workorderservice, typed, with its R4 outcome (rejected / current / older).
-- Durations are minutes, as Field Service records them.
-- Validated layer (D-S14): its reference checks read other entities' current rows, so it sits above staging.
{{ config(materialized='table') }}
with row_checked as (
    -- future_date (R4) compares with this run's clock, so it is checked on every run, after the row checks
    select {% call star_replace(ref('base_field_service__work_order_services_typed'), 'problem') %}coalesce(problem, case
            {{- when_future([('modifiedon', 'modified_at')]) }}
        end){% endcall %}
    from {{ ref('base_field_service__work_order_services_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['work_order_service_id', 'version_number']) }}
),

reference_checked as (
    select
        version_checked.*,
        coalesce(version_checked.problem, version_checked.version_problem, case
            {{- when_unknown('version_checked.work_order_id', 'work_orders.work_order_id', 'work order', unless='version_checked.is_deleted') }}
            {{- when_unknown('version_checked.product_id', 'products.product_id', 'service product', unless='version_checked.is_deleted') }}
            {{- when_unknown('version_checked.unit_id', 'units.unit_id', 'unit', unless='version_checked.is_deleted') }}
            {{- when_unknown('version_checked.price_list_id', 'price_lists.price_list_id', 'price list', unless='version_checked.is_deleted') }}
        end) as reject_reason
    from version_checked
    left join {{ ref('int_work_orders_current') }} as work_orders
        on version_checked.work_order_id = work_orders.work_order_id
    left join {{ ref('stg_field_service__products') }} as products
        on version_checked.product_id = products.product_id
    left join {{ ref('stg_field_service__units') }} as units
        on version_checked.unit_id = units.unit_id
    left join {{ ref('stg_field_service__price_lists') }} as price_lists
        on version_checked.price_list_id = price_lists.price_list_id
)

select
    work_order_service_id,
    work_order_id,
    product_id,
    unit_id,
    price_list_id,
    line_status,
    version_number,
    estimate_duration_minutes,
    duration_minutes,
    duration_to_bill_minutes,
    manual_unit_price,
    manual_unit_cost,
    discount_percent,
    additional_cost,
    commission_costs,
    is_deleted,
    modified_at,
    {{ staging_outcome(
        table_name='msdyn_workorderservice',
        source_relation=source('field_service', 'msdyn_workorderservice'),
        record_id='work_order_service_id',
        partition_by=['work_order_service_id'],
        newest_first=['version_number desc'],
    ) }}
from reference_checked
