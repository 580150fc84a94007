-- Every landed row of msdyn_workorderservice typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity) once per load: a run types only the rows of loads not typed yet, and every row again when
-- the typing SQL changes (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are in
-- int_work_order_services_validated.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='_load_id',
    on_schema_change='append_new_columns',
) }}
{%- set typing %}
renamed as (
    select
        source.*,
        -- ids
        msdyn_workorderserviceid as work_order_service_id,
        msdyn_workorder as work_order_id,
        msdyn_service as product_id,
        msdyn_unit as unit_id,
        msdyn_pricelist as price_list_id,
        -- strings
        {{ decode('msdyn_linestatus', {690970000: 'estimated', 690970001: 'used'}) }} as line_status,
        -- numerics
        {{ to_integer('versionnumber') }} as version_number,
        {{ to_decimal('msdyn_estimateduration', 4) }} as estimate_duration_minutes,
        {{ to_decimal('msdyn_duration', 4) }} as duration_minutes,
        {{ to_decimal('msdyn_durationtobill', 4) }} as duration_to_bill_minutes,
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
            {{- when_missing(['msdyn_workorderserviceid', 'versionnumber', 'modifiedon']) }}
            {{- when_missing(['msdyn_workorder', 'msdyn_service', 'msdyn_linestatus'], unless='is_deleted') }}
            {{- when_out_of_range([
                ('msdyn_estimateduration', 'minutes'),
                ('msdyn_duration', 'minutes'),
                ('msdyn_durationtobill', 'minutes'),
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
                ('msdyn_estimateduration', 'estimate_duration_minutes', 'a number of minutes'),
                ('msdyn_duration', 'duration_minutes', 'a number of minutes'),
                ('msdyn_durationtobill', 'duration_to_bill_minutes', 'a number of minutes'),
                ('msdyn_unitamount', 'manual_unit_price', 'an amount with at most 4 decimals'),
                ('msdyn_unitcost', 'manual_unit_cost', 'an amount with at most 4 decimals'),
                ('msdyn_discountpercent', 'discount_percent', 'a percentage with at most 4 decimals'),
                ('msdyn_additionalcost', 'additional_cost', 'an amount with at most 2 decimals'),
                ('msdyn_commissioncosts', 'commission_costs', 'an amount with at most 2 decimals'),
            ]) }}
            {{- when_negative(['estimate_duration_minutes', 'duration_minutes', 'duration_to_bill_minutes']) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('field_service', 'msdyn_workorderservice') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
