-- Every landed row of msdyn_projectapproval typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity) once per load: a run types only the rows of loads not typed yet, and every row again when
-- the typing SQL changes (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are in
-- base_project_operations__approvals.
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
        msdyn_projectapprovalid as approval_id,
        msdyn_materialusagelog as mul_id,
        -- strings
        {{ decode('msdyn_recordstage', {
            0: 'submitted', 1: 'rejected', 2: 'approved', 3: 'pending',
            4: 'recall_requested', 5: 'recall_request_approved', 6: 'recall_request_rejected'}) }} as record_stage,
        -- numerics
        {{ to_integer('versionnumber') }} as version_number,
        -- booleans
        coalesce({{ to_boolean('isdelete') }}, false) as is_deleted,
        -- timestamps
        {{ to_timestamp('msdyn_approvedon') }} as approved_at,
        {{ to_timestamp('modifiedon') }} as modified_at
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['msdyn_projectapprovalid', 'versionnumber', 'modifiedon']) }}
            {{- when_missing(['msdyn_materialusagelog', 'msdyn_recordstage'], unless='is_deleted') }}
            {{- when_bad_type([
                ('versionnumber', 'version_number', 'a whole number'),
                ('modifiedon', 'modified_at', 'an ISO-8601 timestamp'),
                ('isdelete', to_boolean('isdelete'), 'true or false'),
                ('msdyn_recordstage', 'record_stage', 'a record stage (1 Rejected, 2 Approved, …)'),
                ('msdyn_approvedon', 'approved_at', 'an ISO-8601 timestamp'),
            ]) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('project_operations', 'msdyn_projectapproval') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
