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
    {{ profitability_columns('per_project') }}
from per_project
left join {{ ref('dim_projects') }} as projects
    on per_project.project_id = projects.project_id
