-- Every delivered row version of msdyn_workorder, typed, with its R4 outcome (rejected / current / older).
with source as (
    select * from {{ source('field_service', 'msdyn_workorder') }}
),

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
            {{- when_future([('modifiedon', 'modified_at'), ('createdon', 'created_at'), ('msdyn_completedon', 'completed_at')]) }}
        end as problem
    from renamed
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
    left join {{ ref('stg_project_operations__projects') }} as projects
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
