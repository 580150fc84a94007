-- SPEC §3: the recognized revenue of every fixed-price contract line is allocated exactly — its work orders' parts
-- add up to it and each work order's lines to the work order's part, in contract and in accounting currency.
with per_work_order as (
    select
        contract_line_id,
        work_order_id,
        max(recognized_revenue) as recognized_revenue,
        max(recognized_revenue_accounting) as recognized_revenue_accounting,
        max(work_order_revenue) as work_order_revenue,
        max(work_order_revenue_accounting) as work_order_revenue_accounting,
        sum(line_revenue) as line_revenue,
        sum(line_revenue_accounting) as line_revenue_accounting
    from {{ ref('int_revenue_allocated_to_work_orders') }}
    group by contract_line_id, work_order_id
)

select
    contract_line_id,
    max(recognized_revenue) as recognized_revenue,
    sum(work_order_revenue) as allocated
from per_work_order
group by contract_line_id
having max(recognized_revenue) <> sum(work_order_revenue)
    or max(recognized_revenue_accounting) is distinct from sum(work_order_revenue_accounting)
    or bool_or(work_order_revenue <> line_revenue)
    or bool_or(work_order_revenue_accounting is distinct from line_revenue_accounting)
