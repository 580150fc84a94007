-- Every delivered row version of msdyn_projectapproval (decisions on the MULs fieldledger published, read when
-- auto_approve is off, R17), typed, with its R4 outcome. The MUL reference is checked by the engine.
with source as (
    select * from {{ source('project_operations', 'msdyn_projectapproval') }}
),

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
            {{- when_future([('modifiedon', 'modified_at'), ('msdyn_approvedon', 'approved_at')]) }}
        end as problem
    from renamed
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['approval_id', 'version_number']) }}
)

select
    approval_id,
    mul_id,
    record_stage,
    version_number,
    is_deleted,
    approved_at,
    modified_at,
    {{ staging_outcome(
        table_name='msdyn_projectapproval',
        source_relation=source('project_operations', 'msdyn_projectapproval'),
        record_id='approval_id',
        partition_by=['approval_id'],
        newest_first=['version_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
