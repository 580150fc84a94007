-- Every delivered row version of msdyn_workorder, typed, with its R4 outcome (rejected / current / older).
-- Validated layer (D-S14): its reference checks read other entities' current rows, so it sits above staging.
{{ config(materialized='table') }}
with row_checked as (
    -- future_date (R4) compares with this run's clock, so it is checked on every run, after the row checks
    select {% call star_replace(ref('base_field_service__work_orders_typed'), 'problem') %}coalesce(problem, case
            {{- when_future([('modifiedon', 'modified_at'), ('createdon', 'created_at'), ('msdyn_completedon', 'completed_at')]) }}
        end){% endcall %}
    from {{ ref('base_field_service__work_orders_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['work_order_id', 'version_number']) }}
),

reference_checked as (
    select
        version_checked.*,
        coalesce(version_checked.problem, version_checked.version_problem, case
            {{- when_unknown('version_checked.service_account_id', 'service_accounts.account_id', 'service account', unless='version_checked.is_deleted') }}
            {{- when_unknown('version_checked.billing_account_id', 'billing_accounts.account_id', 'billing account', unless='version_checked.is_deleted') }}
            {{- when_unknown('version_checked.price_list_id', 'price_lists.price_list_id', 'price list', unless='version_checked.is_deleted') }}
            {{- when_unknown('version_checked.project_id', 'projects.project_id', 'project', unless='version_checked.is_deleted') }}
        end) as reject_reason
    from version_checked
    left join {{ ref('stg_field_service__accounts') }} as service_accounts
        on version_checked.service_account_id = service_accounts.account_id
    left join {{ ref('stg_field_service__accounts') }} as billing_accounts
        on version_checked.billing_account_id = billing_accounts.account_id
    left join {{ ref('stg_field_service__price_lists') }} as price_lists
        on version_checked.price_list_id = price_lists.price_list_id
    left join {{ ref('int_projects_current') }} as projects
        on version_checked.project_id = projects.project_id
)

select
    work_order_id,
    service_account_id,
    billing_account_id,
    price_list_id,
    project_id,
    project_task_id,
    work_order_number,
    currency_code,
    system_status,
    version_number,
    is_deleted,
    created_at,
    completed_at,
    modified_at,
    {{ staging_outcome(
        table_name='msdyn_workorder',
        source_relation=source('field_service', 'msdyn_workorder'),
        record_id='work_order_id',
        partition_by=['work_order_id'],
        newest_first=['version_number desc'],
    ) }}
from reference_checked
