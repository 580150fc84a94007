-- R17: the approval of every recorded MUL. With auto_approve, approved when recorded. Otherwise from
-- msdyn_projectapproval: approved at the first version that approves it (actuals, once created, stay), rejected
-- when its latest decision is Rejected, else pending (listed in rpt_approval_backlog).
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
, decisions as (
    select
        mul_id,
        min(case when record_stage = 'approved' then modified_at end) as first_approved_at,
        min(case when record_stage = 'approved' then approval_id end) as approving_approval_id,
        max(modified_at) as last_decision_at
    from {{ ref('stg_project_operations__approval_versions') }}
    where not is_deleted
    group by mul_id
),

latest as (
    select mul_id, record_stage, approval_id
    from (
        select
            *,
            row_number() over (partition by mul_id order by modified_at desc, version_number desc) as newest
        from {{ ref('stg_project_operations__approval_versions') }}
        where not is_deleted
    ) as ranked
    where newest = 1
)

select
    muls.mul_id,
    case
        when decisions.first_approved_at is not null then 'approved'
        when latest.record_stage = 'rejected' then 'rejected'
        else 'pending'
    end as approval_status,
    case
        when decisions.first_approved_at is not null then greatest(decisions.first_approved_at, muls.effective_at)
        when latest.record_stage = 'rejected' then decisions.last_decision_at
    end as decided_at,
    case when decisions.first_approved_at is not null or latest.record_stage = 'rejected'
        then 'msdyn_projectapproval' end as decided_by,
    coalesce(decisions.approving_approval_id, latest.approval_id) as approval_id
from muls
left join decisions
    on muls.mul_id = decisions.mul_id
left join latest
    on muls.mul_id = latest.mul_id
{% endif %}
