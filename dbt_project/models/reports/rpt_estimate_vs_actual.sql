-- One row per work order line with an estimate or an actual: estimated cost and sales (R10, current) next to actual
-- cost and sales and the variances, in the accounting currency of the line's legal entity (SPEC §3), with the
-- transaction-currency amounts beside. Actual cost = the cost actuals net of reversals (R18); actual sales = the
-- billed and unbilled sales actuals net of reversals (time and material), or the line's part of its fixed-price
-- contract line's recognized revenue (R27, int_revenue_allocated_to_work_orders). Every actual is converted at the
-- rate valid on its accounting date (a confirmation reversal at its original's), every estimate at the rate valid on
-- its pricing date (the work order's creation), as Finance converts (int_exchange_rates_dated, R24); an
-- accounting-currency column is NULL while one of its amounts has no rate (counted in amounts_without_exchange_rate).
with amounts as (
    select
        work_order_line_id,
        'estimate' as source,
        transaction_type as kind,
        quantity,
        amount,
        currency_code,
        pricing_date as rate_date,
        cast(null as decimal(18, 2)) as amount_accounting_given
    from {{ ref('fct_estimate_lines') }}
    union all
    -- a confirmation reversal (R22, never sent to Finance) takes back its original at the original's rate, as
    -- Finance reverses an accrual at the amount it accrued: so billed sales count at the invoice date's rate
    select
        actuals.work_order_line_id,
        'actual',
        case when actuals.transaction_type = 'cost' then 'cost' else 'sales' end,
        actuals.quantity,
        actuals.amount,
        actuals.currency_code,
        coalesce(originals.accounting_date, actuals.accounting_date),
        cast(null as decimal(18, 2))
    from {{ ref('fct_project_actuals') }} as actuals
    left join {{ ref('fct_project_actuals') }} as originals
        on actuals.reverses_actual_id = originals.actual_id
        and actuals.reversal_reason = 'invoice_confirmation'
    where actuals.transaction_class = 'material'
    union all
    -- fixed price: already in the accounting currency (each month's recognition at its month-end rate)
    select
        work_order_line_id,
        'actual',
        'sales',
        cast(null as decimal(18, 4)),
        line_revenue,
        currency_code,
        cast(null as date),
        line_revenue_accounting
    from {{ ref('int_revenue_allocated_to_work_orders') }}
),

lines as (
    select distinct work_order_line_id from amounts
),

-- the legal entity a line reports in: its project's contract company (R23: the one its actuals and revenue post
-- to), else its work order's
line_context as (
    select
        lines.work_order_line_id,
        current_lines.line_type,
        current_lines.work_order_id,
        work_orders.project_id,
        current_lines.product_id,
        current_lines.line_status,
        projects.contract_line_id,
        projects.billing_method,
        coalesce(projects.legal_entity, work_orders.legal_entity) as legal_entity,
        projects.cost_currency_code as project_cost_currency_code,
        projects.contract_currency_code as project_sales_currency_code
    from lines
    left join {{ ref('int_work_order_lines_current') }} as current_lines
        on lines.work_order_line_id = current_lines.work_order_line_id
    left join {{ ref('dim_work_orders') }} as work_orders
        on current_lines.work_order_id = work_orders.work_order_id
    left join {{ ref('dim_projects') }} as projects
        on work_orders.project_id = projects.project_id
),

contexts as (
    select
        line_context.*,
        legal_entities.accounting_currency_code
    from line_context
    left join {{ ref('dim_legal_entities') }} as legal_entities
        on line_context.legal_entity = legal_entities.legal_entity
),

converted as (
    select
        amounts.*,
        case
            when amounts.rate_date is null then amounts.amount_accounting_given
            when amounts.currency_code = contexts.accounting_currency_code then amounts.amount
            else {{ money('cast(amounts.amount as decimal(38, 2)) * rates.exchange_rate') }}
        end as amount_accounting
    from amounts
    inner join contexts
        on amounts.work_order_line_id = contexts.work_order_line_id
    left join {{ ref('int_exchange_rates_dated') }} as rates
        on amounts.currency_code = rates.from_currency_code
        and contexts.accounting_currency_code = rates.to_currency_code
        and amounts.rate_date >= rates.valid_from
        and (rates.valid_to is null or amounts.rate_date <= rates.valid_to)
),

{%- set measures = [('estimated', 'estimate'), ('actual', 'actual')] %}

per_line as (
    select
        work_order_line_id,
        sum(case when source = 'estimate' and kind = 'cost' then quantity end) as estimated_quantity,
        sum(case when source = 'actual' and kind = 'cost' then quantity end) as actual_quantity,
        {%- for kind in ['cost', 'sales'] %}
        count(distinct case when kind = '{{ kind }}' then currency_code end) as {{ kind }}_currencies,
        min(case when kind = '{{ kind }}' then currency_code end) as {{ kind }}_currency,
        {%- for prefix, source in measures %}
        sum(case when source = '{{ source }}' and kind = '{{ kind }}' then amount end) as {{ prefix }}_{{ kind }}_transaction,
        sum(case when source = '{{ source }}' and kind = '{{ kind }}' then amount_accounting end) as {{ prefix }}_{{ kind }},
        count(case when source = '{{ source }}' and kind = '{{ kind }}' and amount_accounting is null then 1 end)
            as {{ prefix }}_{{ kind }}_unconverted,
        {%- endfor %}
        {%- endfor %}
        count(case when amount_accounting is null then 1 end) as amounts_without_exchange_rate
    from converted
    group by work_order_line_id
),

reported as (
    select
        contexts.*,
        coalesce(per_line.estimated_quantity, 0) as estimated_quantity,
        coalesce(per_line.actual_quantity, 0) as actual_quantity,
        {%- for kind in ['cost', 'sales'] %}
        case per_line.{{ kind }}_currencies
            when 0 then contexts.project_{{ kind }}_currency_code
            when 1 then per_line.{{ kind }}_currency
        end as {{ kind }}_currency_code,
        {%- for prefix, source in measures %}
        case when per_line.{{ prefix }}_{{ kind }}_unconverted = 0 then coalesce(per_line.{{ prefix }}_{{ kind }}, 0) end
            as {{ prefix }}_{{ kind }},
        case when per_line.{{ kind }}_currencies <= 1 then coalesce(per_line.{{ prefix }}_{{ kind }}_transaction, 0) end
            as {{ prefix }}_{{ kind }}_transaction,
        {%- endfor %}
        {%- endfor %}
        per_line.amounts_without_exchange_rate
    from per_line
    inner join contexts
        on per_line.work_order_line_id = contexts.work_order_line_id
)

select
    work_order_line_id,
    line_type,
    work_order_id,
    project_id,
    product_id,
    line_status,
    contract_line_id,
    billing_method,
    legal_entity,
    accounting_currency_code,
    cast(estimated_quantity as decimal(18, 4)) as estimated_quantity,
    cast(actual_quantity as decimal(18, 4)) as actual_quantity,
    cast(estimated_cost as decimal(18, 2)) as estimated_cost,
    cast(actual_cost as decimal(18, 2)) as actual_cost,
    cast(actual_cost - estimated_cost as decimal(18, 2)) as cost_variance,
    cast(estimated_sales as decimal(18, 2)) as estimated_sales,
    cast(actual_sales as decimal(18, 2)) as actual_sales,
    cast(actual_sales - estimated_sales as decimal(18, 2)) as sales_variance,
    cost_currency_code,
    cast(estimated_cost_transaction as decimal(18, 2)) as estimated_cost_transaction,
    cast(actual_cost_transaction as decimal(18, 2)) as actual_cost_transaction,
    cast(actual_cost_transaction - estimated_cost_transaction as decimal(18, 2)) as cost_variance_transaction,
    sales_currency_code,
    cast(estimated_sales_transaction as decimal(18, 2)) as estimated_sales_transaction,
    cast(actual_sales_transaction as decimal(18, 2)) as actual_sales_transaction,
    cast(actual_sales_transaction - estimated_sales_transaction as decimal(18, 2)) as sales_variance_transaction,
    amounts_without_exchange_rate
from reported
