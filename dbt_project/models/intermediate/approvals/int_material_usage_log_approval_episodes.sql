-- R17 (approval versions): the stretches of time during which each recorded MUL is approved — the journal lines
-- of an approved stretch become actuals at its start; its end (the approval's current version Rejected, or the
-- approval deleted) reverses them (R18); Approved again starts a new stretch and creates them again. With
-- auto_approve every MUL has one stretch, from when it was recorded, that never ends. Grain: MUL × stretch.
-- Each stretch carries what its actuals take from the MUL (its line and revision, work order, project, contract
-- line, customer, legal entity, billing and usage date), so the actuals ledger reads the MUL ledger through it.
-- depends_on: {{ ref('stg_project_operations__approval_versions') }}
{%- set carried = ['work_order_line_id', 'revision', 'work_order_id', 'project_id', 'contract_id', 'contract_line_id',
    'customer_id', 'legal_entity', 'billing_type', 'billing_method', 'usage_date'] %}
with muls as (
    select
        mul_id,
        effective_at,
        {{ carried | join(', ') }}
    from {{ ref('int_material_usage_logs_recorded') }}
)
{% if setting('auto_approve') %}
select
    mul_id,
    cast(1 as bigint) as approval_episode,
    effective_at as approved_at,
    cast(null as timestamp) as withdrawn_at,
    'auto_approve' as decided_by,
    cast(null as varchar) as approval_id,
    {{ carried | join(', ') }}
from muls
{% else %}
, decisions as (
    select
        mul_id,
        approval_id,
        modified_at,
        version_number,
        coalesce(record_stage = 'approved' and not is_deleted, false) as is_approved
    from {{ ref('stg_project_operations__approval_versions') }}
),

flips as (
    select
        *,
        coalesce(lag(is_approved) over (partition by mul_id order by modified_at, version_number), false)
            as was_approved
    from decisions
),

starts as (
    select
        mul_id,
        approval_id,
        modified_at as started_at,
        row_number() over (partition by mul_id order by modified_at, version_number) as approval_episode
    from flips
    where is_approved and not was_approved
),

ends as (
    select mul_id, modified_at as ended_at
    from flips
    where was_approved and not is_approved
),

episodes as (
    select
        starts.mul_id,
        starts.approval_episode,
        starts.started_at,
        starts.approval_id,
        min(ends.ended_at) as ended_at
    from starts
    left join ends
        on starts.mul_id = ends.mul_id
        and ends.ended_at >= starts.started_at
    group by starts.mul_id, starts.approval_episode, starts.started_at, starts.approval_id
)

select
    muls.mul_id,
    episodes.approval_episode,
    greatest(episodes.started_at, muls.effective_at) as approved_at,
    case when episodes.ended_at is not null
        then greatest(episodes.ended_at, episodes.started_at, muls.effective_at) end as withdrawn_at,
    'msdyn_projectapproval' as decided_by,
    episodes.approval_id,
    {%- for column in carried %}
    muls.{{ column }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from muls
inner join episodes
    on muls.mul_id = episodes.mul_id
{% endif %}
