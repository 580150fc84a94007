-- Every delivered row version of msdyn_contractlinescheduleofvalue (fixed-price billing milestones), typed, with
-- its R4 outcome. Validated layer (issue 14, D-S14): the reference check reads the contract lines' current rows,
-- so it sits above staging, which only types and renames.
{{ config(materialized='table') }}
with row_checked as (
    -- future_date (R4) compares with this run's clock, so it is checked on every run, after the row checks
    select {% call star_replace(ref('base_project_operations__milestones_typed'), 'problem') %}coalesce(problem, case
            {{- when_future([('modifiedon', 'modified_at')]) }}
        end){% endcall %}
    from {{ ref('base_project_operations__milestones_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['milestone_id', 'version_number']) }}
),

reference_checked as (
    select
        version_checked.*,
        coalesce(version_checked.problem, version_checked.version_problem, case
            {{- when_unknown('version_checked.contract_line_id', 'contract_lines.contract_line_id', 'contract line',
                unless='version_checked.is_deleted') }}
        end) as reject_reason
    from version_checked
    left join {{ ref('int_contract_lines_current') }} as contract_lines
        on version_checked.contract_line_id = contract_lines.contract_line_id
)

select
    milestone_id,
    contract_line_id,
    milestone_name,
    invoice_status,
    version_number,
    amount,
    is_deleted,
    invoice_date,
    modified_at,
    {{ staging_outcome(
        table_name='msdyn_contractlinescheduleofvalue',
        source_relation=source('project_operations', 'msdyn_contractlinescheduleofvalue'),
        record_id='milestone_id',
        partition_by=['milestone_id'],
        newest_first=['version_number desc'],
    ) }}
from reference_checked
