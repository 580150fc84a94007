-- R15 revision ledger (append-only): one row each time a line's money state changes on the timeline of
-- int_work_order_line_events. Revision k+1 of a line starts where its state differs from revision k's; a NULL
-- state (set back to Estimated, deleted, work order canceled or without project) is a revision too: it reverses
-- and adds nothing (R18). A run appends only the events after the line's last recorded revision, so revisions
-- once recorded never change (I9). Late versions (R15): a version older than the last recorded revision cannot
-- insert a revision into the past; when the line's latest known state (every version known now) differs from its
-- last recorded revision, one revision is added at that revision's time (the later of it and the causing
-- version), flagged is_late — so net actuals always follow the latest known state, in whatever order it arrived.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='append_new_columns',
    post_hook="{{ record_line_fingerprints() }}",
) }}
-- depends_on: {{ ref('int_work_order_lines_touched') }}

with events as (
    select * from {{ ref('int_work_order_line_events') }}
),

{% if is_incremental() %}
anchors as (
    select work_order_line_id, revision as anchor_revision, event_sequence as anchor_sequence,
        money_state_hash as anchor_state_hash, effective_at as anchor_at
    from (
        select *, row_number() over (partition by work_order_line_id order by revision desc) as newest
        from {{ this }}
    ) as recorded
    where newest = 1
),
{% else %}
anchors as (
    select
        cast(null as varchar) as work_order_line_id,
        cast(0 as bigint) as anchor_revision,
        cast(null as varchar) as anchor_sequence,
        cast(null as varchar) as anchor_state_hash,
        cast(null as timestamp) as anchor_at
    where false
),
{% endif %}

candidates as (
    select
        events.*,
        coalesce(anchors.anchor_revision, 0) as anchor_revision,
        anchors.anchor_state_hash,
        row_number() over (partition by events.work_order_line_id order by events.event_sequence) as event_rank
    from events
    left join anchors
        on events.work_order_line_id = anchors.work_order_line_id
    where anchors.work_order_line_id is null or events.event_sequence > anchors.anchor_sequence
),

compared as (
    select
        *,
        case
            when event_rank = 1 then anchor_state_hash
            else lag(money_state_hash) over (partition by work_order_line_id order by event_sequence)
        end as previous_state_hash
    from candidates
),

{%- set state_columns = ['line_type', 'work_order_id', 'money_state_hash', 'line_version_number',
    'work_order_version_number', 'project_id', 'product_id', 'unit_id', 'price_list_id', 'service_account_id',
    'billing_account_id', 'work_order_currency_code', 'first_used_at', 'cost_quantity', 'quantity_to_bill',
    'duration_to_bill_minutes', 'manual_unit_price', 'manual_unit_cost', 'discount_percent', 'additional_cost',
    'commission_costs'] %}

changes as (
    select
        work_order_line_id,
        {% for column in state_columns %}{{ column }},
        {% endfor -%}
        event_sequence,
        event_at as effective_at,
        false as is_late,
        anchor_revision + row_number() over (partition by work_order_line_id order by event_sequence) as revision
    from compared
    where money_state_hash is distinct from previous_state_hash
),

-- R15 late versions: no event after the last revision, yet the latest known state is not the recorded one
latest_states as (
    select *
    from (
        select
            events.*,
            row_number() over (partition by work_order_line_id order by event_sequence desc) as newest
        from events
    ) as ranked
    where newest = 1
),

late_changes as (
    select
        latest_states.work_order_line_id,
        {% for column in state_columns %}latest_states.{{ column }},
        {% endfor -%}
        anchors.anchor_sequence as event_sequence,
        greatest(anchors.anchor_at, latest_states.event_at) as effective_at,
        true as is_late,
        anchors.anchor_revision + 1 as revision
    from latest_states
    inner join anchors
        on latest_states.work_order_line_id = anchors.work_order_line_id
    where latest_states.event_sequence <= anchors.anchor_sequence
        and latest_states.money_state_hash is distinct from anchors.anchor_state_hash
),

recorded as (
    select * from changes
    union all
    select * from late_changes
)

select
    {{ hash_id(['work_order_line_id', 'revision']) }} as revision_id,
    work_order_line_id,
    revision,
    line_type,
    work_order_id,
    event_sequence,
    effective_at,
    is_late,
    money_state_hash,
    money_state_hash is not null as is_usage,
    line_version_number,
    work_order_version_number,
    project_id,
    product_id,
    unit_id,
    price_list_id,
    service_account_id,
    billing_account_id,
    work_order_currency_code,
    cast(first_used_at as date) as usage_date,
    cost_quantity,
    quantity_to_bill,
    duration_to_bill_minutes,
    manual_unit_price,
    manual_unit_cost,
    discount_percent,
    additional_cost,
    commission_costs
from recorded
