-- Every landed row of msdyn_contractlinescheduleofvalue typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity) once per load: a run types only the rows of loads not typed yet, and every row again when
-- the typing SQL changes (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are in
-- base_project_operations__milestones.
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
        msdyn_contractlinescheduleofvalueid as milestone_id,
        msdyn_contractlineid as contract_line_id,
        -- strings
        msdyn_name as milestone_name,
        {{ decode('msdyn_invoicestatus', {192350000: 'not_ready', 192350001: 'ready'}) }} as invoice_status,
        -- numerics
        {{ to_integer('versionnumber') }} as version_number,
        {{ to_decimal('msdyn_amount', 2) }} as amount,
        -- booleans
        coalesce({{ to_boolean('isdelete') }}, false) as is_deleted,
        -- dates
        {{ to_date('msdyn_invoicedate') }} as invoice_date,
        -- timestamps
        {{ to_timestamp('modifiedon') }} as modified_at
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['msdyn_contractlinescheduleofvalueid', 'versionnumber', 'modifiedon']) }}
            {{- when_missing(['msdyn_contractlineid', 'msdyn_invoicedate', 'msdyn_amount', 'msdyn_invoicestatus'],
                unless='is_deleted') }}
            {{- when_out_of_range([('msdyn_amount', 'amount')]) }}
            {{- when_bad_type([
                ('versionnumber', 'version_number', 'a whole number'),
                ('modifiedon', 'modified_at', 'an ISO-8601 timestamp'),
                ('isdelete', to_boolean('isdelete'), 'true or false'),
                ('msdyn_invoicestatus', 'invoice_status', 'a milestone invoice status (192350000 not ready, 192350001 ready)'),
                ('msdyn_amount', 'amount', 'an amount with at most 2 decimals'),
                ('msdyn_invoicedate', 'invoice_date', 'an ISO-8601 date'),
            ]) }}
            {# the invoice date may lie ahead (a milestone planned for later); the change itself may not #}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('project_operations', 'msdyn_contractlinescheduleofvalue') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
