-- One row per customer and legal entity: the projects of rpt_project_profitability rolled up — estimated and actual
-- cost, sales and margin in the legal entity's accounting currency (SPEC §3), the transaction-currency amounts beside
-- (NULL when the customer's projects are in more than one currency).
{%- set money_columns = ['estimated_cost', 'estimated_sales', 'actual_cost', 'actual_sales'] %}
with per_customer as (
    select
        customer_id,
        legal_entity,
        max(accounting_currency_code) as accounting_currency_code,
        count(*) as projects,
        sum(work_orders) as work_orders,
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
    from {{ ref('rpt_project_profitability') }}
    where customer_id is not null
    group by customer_id, legal_entity
)

select
    per_customer.customer_id,
    customers.account_number,
    customers.customer_name,
    per_customer.legal_entity,
    per_customer.accounting_currency_code,
    per_customer.projects,
    cast(per_customer.work_orders as bigint) as work_orders,
    {{ profitability_columns('per_customer') }}
from per_customer
left join {{ ref('dim_customers') }} as customers
    on per_customer.customer_id = customers.customer_id
