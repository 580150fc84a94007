-- The revision timeline of R15 (DESIGN-NOTES §2): one row per event of a line — each of its versions and each
-- money-relevant version of its work order — ordered by (modifiedon, work order before line, versionnumber),
-- carrying forward the latest line version and work order version at that instant, and the line's money state:
-- NULL when it is not in use (Estimated, deleted, work order canceled or deleted, no project), else a hash of
-- everything that prices or costs it. Only the lines touched since the revision ledger last ran (D-I2): the
-- ledger compares each line's timeline with its last recorded revision, and an untouched line's is unchanged.
{{ config(materialized='table') }}
-- depends_on: {{ ref('int_work_order_lines_touched') }}

with line_versions as (
    select * from {{ ref('int_work_order_line_versions') }}
    {%- if timeline_of_touched_lines_only() %}
    where work_order_line_id in (select work_order_line_id from {{ ref('int_work_order_lines_touched') }})
    {%- endif %}
),

line_work_orders as (
    select distinct work_order_line_id, work_order_id
    from line_versions
),

events as (
    select
        work_order_line_id,
        modified_at as event_at,
        1 as source_rank,
        version_number as line_version_number,
        cast(null as bigint) as work_order_version_number,
        {{ event_sequence('modified_at', 1, 'version_number') }} as event_sequence
    from line_versions
    union all
    select
        line_work_orders.work_order_line_id,
        states.modified_at,
        0,
        null,
        states.version_number,
        {{ event_sequence('states.modified_at', 0, 'states.version_number') }}
    from line_work_orders
    inner join {{ ref('int_work_order_states') }} as states
        on line_work_orders.work_order_id = states.work_order_id
),

carried as (
    select
        work_order_line_id,
        event_at,
        event_sequence,
        {{ last_value_ignore_nulls('line_version_number') }} over timeline as line_version_number,
        {{ last_value_ignore_nulls('work_order_version_number') }} over timeline as work_order_version_number
    from events
    window timeline as (
        partition by work_order_line_id order by event_sequence rows between unbounded preceding and current row
    )
),

stated as (
    select
        carried.work_order_line_id,
        carried.event_at,
        carried.event_sequence,
        carried.line_version_number,
        carried.work_order_version_number,
        line.line_type,
        line_work_orders.work_order_id,
        line.product_id,
        line.unit_id,
        coalesce(line.price_list_id, work_order.price_list_id) as price_list_id,
        line.line_status,
        line.estimate_quantity,
        coalesce(line.cost_quantity, 0) as cost_quantity,
        coalesce(line.quantity_to_bill, 0) as quantity_to_bill,
        coalesce(line.duration_to_bill_minutes, 0) as duration_to_bill_minutes,
        line.manual_unit_price,
        line.manual_unit_cost,
        coalesce(line.discount_percent, 0) as discount_percent,
        coalesce(line.additional_cost, 0) as additional_cost,
        coalesce(line.commission_costs, 0) as commission_costs,
        work_order.project_id,
        work_order.service_account_id,
        work_order.billing_account_id,
        work_order.currency_code as work_order_currency_code,
        work_order.created_date as work_order_created_date,
        coalesce(
            line.line_status = 'used'
            and not line.is_deleted
            and work_order.project_id is not null
            and not work_order.is_canceled
            and not work_order.is_deleted,
            false
        ) as is_in_use,
        -- R11: the earliest version with status Used, as known at this event
        min(case when line.line_status = 'used' then line.modified_at end) over (
            partition by carried.work_order_line_id order by carried.event_sequence
            rows between unbounded preceding and current row
        ) as first_used_at
    from carried
    inner join line_work_orders
        on carried.work_order_line_id = line_work_orders.work_order_line_id
    left join line_versions as line
        on carried.work_order_line_id = line.work_order_line_id
        and carried.line_version_number = line.version_number
    left join {{ ref('int_work_order_states') }} as work_order
        on line_work_orders.work_order_id = work_order.work_order_id
        and carried.work_order_version_number = work_order.version_number
)

select
    *,
    case when is_in_use then {{ hash_id([
        'project_id', 'product_id', 'unit_id', 'price_list_id', 'service_account_id', 'billing_account_id',
        'cost_quantity', 'quantity_to_bill', 'duration_to_bill_minutes', 'manual_unit_price', 'manual_unit_cost',
        'discount_percent', 'additional_cost', 'commission_costs']) }} end as money_state_hash
from stated
