-- Every delivered row version of msdyn_projectapproval (decisions on the MULs fieldledger published, read when
-- auto_approve is off, R17), typed, with its R4 outcome. The MUL reference is checked by the engine.
with row_checked as (
    -- future_date (R4) compares with this run's clock, so it is checked on every run, after the row checks
    select {% call star_replace(ref('base_project_operations__approvals_typed'), 'problem') %}coalesce(problem, case
            {{- when_future([('modifiedon', 'modified_at'), ('msdyn_approvedon', 'approved_at')]) }}
        end){% endcall %}
    from {{ ref('base_project_operations__approvals_typed') }}
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
