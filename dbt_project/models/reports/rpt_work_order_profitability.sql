-- One row per work order with actuals or estimates: estimated and actual cost, sales and margin in the accounting
-- currency of its legal entity (SPEC §3), the transaction-currency amounts beside. Actual sales: billed and unbilled
-- sales actuals net of reversals (time and material), or the work order's part of its fixed-price contract line's
-- recognized revenue (R27), allocated by its share of the line's cost actuals, to the cent. The lines of
-- rpt_estimate_vs_actual rolled up; rpt_project_profitability and rpt_customer_profitability roll this up.
{%- set money_columns = ['estimated_cost', 'estimated_sales', 'actual_cost', 'actual_sales'] %}
with per_work_order as (
    select
        work_order_id,
        max(legal_entity) as legal_entity,
        max(accounting_currency_code) as accounting_currency_code,
        max(billing_method) as billing_method,
        max(contract_line_id) as contract_line_id,
        count(*) as work_order_lines,
        {%- for column in money_columns %}
        {{ sum_converted(column) }} as {{ column }},
        {%- endfor %}
        {%- for kind in ['cost', 'sales'] %}
        {{ single_currency(kind ~ '_currency_code') }} as {{ kind }}_currency_code,
        {%- for prefix in ['estimated', 'actual'] %}
        {{ sum_in_one_currency(prefix ~ '_' ~ kind ~ '_transaction', kind ~ '_currency_code') }}
            as {{ prefix }}_{{ kind }}_transaction,
        {%- endfor %}
        {%- endfor %}
        sum(amounts_without_exchange_rate) as amounts_without_exchange_rate
    from {{ ref('rpt_estimate_vs_actual') }}
    group by work_order_id
)

select
    per_work_order.work_order_id,
    work_orders.work_order_number,
    work_orders.system_status,
    work_orders.project_id,
    projects.project_name,
    projects.customer_id,
    per_work_order.legal_entity,
    per_work_order.accounting_currency_code,
    per_work_order.billing_method,
    per_work_order.contract_line_id,
    per_work_order.work_order_lines,
    {{ profitability_columns('per_work_order') }}
from per_work_order
left join {{ ref('dim_work_orders') }} as work_orders
    on per_work_order.work_order_id = work_orders.work_order_id
left join {{ ref('dim_projects') }} as projects
    on work_orders.project_id = projects.project_id
