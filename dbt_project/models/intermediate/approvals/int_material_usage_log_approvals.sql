-- R17: the approval status of every recorded MUL now. With auto_approve, approved when recorded. Otherwise the
-- current version of msdyn_projectapproval decides: approved, rejected, or pending when there is none or it was
-- deleted (listed in rpt_approval_backlog). The actuals follow int_material_usage_log_approval_episodes.
-- depends_on: {{ ref('stg_project_operations__approval_versions') }}
with muls as (
    select mul_id, effective_at from {{ ref('int_material_usage_logs_recorded') }}
)
{% if setting('auto_approve') %}
select
    mul_id,
    'approved' as approval_status,
    effective_at as decided_at,
    'auto_approve' as decided_by,
    cast(null as varchar) as approval_id
from muls
{% else %}
, latest as (
    select mul_id, record_stage, is_deleted, approval_id, modified_at
    from (
        select
            *,
            row_number() over (partition by mul_id order by modified_at desc, version_number desc) as newest
        from {{ ref('stg_project_operations__approval_versions') }}
    ) as ranked
    where newest = 1
)

select
    muls.mul_id,
    case
        when latest.is_deleted or latest.mul_id is null then 'pending'
        when latest.record_stage = 'approved' then 'approved'
        when latest.record_stage = 'rejected' then 'rejected'
        else 'pending'
    end as approval_status,
    case when not latest.is_deleted and latest.record_stage in ('approved', 'rejected')
        then greatest(latest.modified_at, muls.effective_at) end as decided_at,
    case when not latest.is_deleted and latest.record_stage in ('approved', 'rejected')
        then 'msdyn_projectapproval' end as decided_by,
    latest.approval_id
from muls
left join latest
    on muls.mul_id = latest.mul_id
{% endif %}
