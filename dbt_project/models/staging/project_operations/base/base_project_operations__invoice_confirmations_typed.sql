-- Every landed row of invoice typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity) once per load: a run types only the rows of loads not typed yet, and every row again when
-- the typing SQL changes (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are in
-- base_project_operations__invoice_confirmations.
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
        invoiceid as invoice_id,
        -- strings
        {{ decode('msdyn_projectinvoicestatus', {
            192350000: 'draft', 192350001: 'in_review', 192350002: 'confirmed', 192350003: 'paid'}) }} as invoice_status,
        -- numerics
        {{ to_integer('versionnumber') }} as version_number,
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
            {{- when_missing(['invoiceid', 'versionnumber', 'modifiedon']) }}
            {{- when_missing(['msdyn_projectinvoicestatus'], unless='is_deleted') }}
            {{- when_bad_type([
                ('versionnumber', 'version_number', 'a whole number'),
                ('modifiedon', 'modified_at', 'an ISO-8601 timestamp'),
                ('isdelete', to_boolean('isdelete'), 'true or false'),
                ('msdyn_projectinvoicestatus', 'invoice_status', 'a proforma invoice status (192350000 … 192350003)'),
            ]) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('project_operations', 'invoice') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
