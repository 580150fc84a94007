-- One row per project and legal entity (one per project whenever it has a contract: its work orders report in the
-- contract's company, R23): the work orders of rpt_work_order_profitability rolled up — estimated and actual cost,
-- sales and margin in the legal entity's accounting currency (SPEC §3), the transaction-currency amounts beside.
{%- set money_columns = ['estimated_cost', 'estimated_sales', 'actual_cost', 'actual_sales'] %}
with per_project as (
    select
        project_id,
        legal_entity,
        max(accounting_currency_code) as accounting_currency_code,
        max(billing_method) as billing_method,
        count(*) as work_orders,
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
    from {{ ref('rpt_work_order_profitability') }}
    where project_id is not null
    group by project_id, legal_entity
)

select
    per_project.project_id,
    projects.project_name,
    projects.customer_id,
    per_project.legal_entity,
    per_project.accounting_currency_code,
    per_project.billing_method,
    per_project.work_orders,
    cast(per_project.estimated_cost as decimal(18, 2)) as estimated_cost,
    cast(per_project.estimated_sales as decimal(18, 2)) as estimated_sales,
    cast(per_project.estimated_sales - per_project.estimated_cost as decimal(18, 2)) as estimated_margin,
    cast(per_project.actual_cost as decimal(18, 2)) as actual_cost,
    cast(per_project.actual_sales as decimal(18, 2)) as actual_sales,
    cast(per_project.actual_sales - per_project.actual_cost as decimal(18, 2)) as actual_margin,
    {{ margin_percent('per_project.actual_sales', 'per_project.actual_cost') }} as actual_margin_percent,
    per_project.cost_currency_code,
    cast(per_project.estimated_cost_transaction as decimal(18, 2)) as estimated_cost_transaction,
    cast(per_project.actual_cost_transaction as decimal(18, 2)) as actual_cost_transaction,
    per_project.sales_currency_code,
    cast(per_project.estimated_sales_transaction as decimal(18, 2)) as estimated_sales_transaction,
    cast(per_project.actual_sales_transaction as decimal(18, 2)) as actual_sales_transaction,
    cast(per_project.amounts_without_exchange_rate as bigint) as amounts_without_exchange_rate
from per_project
left join {{ ref('dim_projects') }} as projects
    on per_project.project_id = projects.project_id
