-- Every landed row of msdyn_workorder typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity) once per load: a run types only the rows of loads not typed yet, and every row again when
-- the typing SQL changes (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are in
-- int_work_orders_validated.
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
        msdyn_workorderid as work_order_id,
        msdyn_serviceaccount as service_account_id,
        msdyn_billingaccount as billing_account_id,
        msdyn_pricelist as price_list_id,
        msdyn_project as project_id,
        msdyn_projecttask as project_task_id,
        -- strings
        msdyn_name as work_order_number,
        upper(trim(transactioncurrencyid)) as currency_code,
        {{ decode('msdyn_systemstatus', {
            690970000: 'unscheduled', 690970001: 'scheduled', 690970002: 'in_progress',
            690970003: 'completed', 690970004: 'posted', 690970005: 'canceled'}) }} as system_status,
        -- numerics
        {{ to_integer('versionnumber') }} as version_number,
        -- booleans
        coalesce({{ to_boolean('isdelete') }}, false) as is_deleted,
        -- timestamps
        {{ to_timestamp('createdon') }} as created_at,
        {{ to_timestamp('msdyn_completedon') }} as completed_at,
        {{ to_timestamp('modifiedon') }} as modified_at
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['msdyn_workorderid', 'versionnumber', 'modifiedon']) }}
            {{- when_missing(['msdyn_serviceaccount', 'msdyn_systemstatus', 'createdon'], unless='is_deleted') }}
            {{- when_bad_type([
                ('versionnumber', 'version_number', 'a whole number'),
                ('modifiedon', 'modified_at', 'an ISO-8601 timestamp'),
                ('createdon', 'created_at', 'an ISO-8601 timestamp'),
                ('msdyn_completedon', 'completed_at', 'an ISO-8601 timestamp'),
                ('isdelete', to_boolean('isdelete'), 'true or false'),
                ('msdyn_systemstatus', 'system_status', 'a work order system status (690970000 … 690970005)'),
            ]) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('field_service', 'msdyn_workorder') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
