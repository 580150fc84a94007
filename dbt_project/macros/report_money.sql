{#- SPEC §3 (money in reports): roll-ups that never add amounts of two currencies. In the profitability reports an
    accounting-currency column is NULL when one of its amounts has no exchange rate yet, and a transaction-currency
    column is NULL when its amounts are in more than one currency (its currency column is NULL then too). -#}

{#- Σ of an accounting-currency column; NULL when any row's is (an amount waiting for its rate). -#}
{% macro sum_converted(column) -%}
    case when bool_or({{ column }} is null) then null else sum({{ column }}) end
{%- endmacro %}

{#- The one currency of the rows, NULL when they have more than one (or a row has none). -#}
{% macro single_currency(currency) -%}
    case when count(distinct {{ currency }}) = 1 and bool_and({{ currency }} is not null) then min({{ currency }}) end
{%- endmacro %}

{#- Σ of a transaction-currency column in `currency`; NULL unless every row has the same currency and an amount. -#}
{% macro sum_in_one_currency(column, currency) -%}
    case when count(distinct {{ currency }}) = 1 and bool_and({{ currency }} is not null)
        and not bool_or({{ column }} is null) then sum({{ column }}) end
{%- endmacro %}

{#- Margin % = margin × 100 / sales, 2 decimals, exact (R5); NULL without sales. -#}
{% macro margin_percent(sales, cost) -%}
    case when ({{ sales }}) <> 0
        then cast({{ divide_round('((' ~ sales ~ ') - (' ~ cost ~ ')) * 100', sales, 2) }} as decimal(18, 2))
    end
{%- endmacro %}

{#- The money columns every profitability report publishes, from a per-grain relation `r` (SPEC §3 money in
    reports): accounting-currency estimates, actuals and margins, then the transaction-currency amounts beside. -#}
{% macro profitability_columns(r) -%}
    cast({{ r }}.estimated_cost as decimal(18, 2)) as estimated_cost,
    cast({{ r }}.estimated_sales as decimal(18, 2)) as estimated_sales,
    cast({{ r }}.estimated_sales - {{ r }}.estimated_cost as decimal(18, 2)) as estimated_margin,
    cast({{ r }}.actual_cost as decimal(18, 2)) as actual_cost,
    cast({{ r }}.actual_sales as decimal(18, 2)) as actual_sales,
    cast({{ r }}.actual_sales - {{ r }}.actual_cost as decimal(18, 2)) as actual_margin,
    {{ margin_percent(r ~ '.actual_sales', r ~ '.actual_cost') }} as actual_margin_percent,
    {{ r }}.cost_currency_code,
    cast({{ r }}.estimated_cost_transaction as decimal(18, 2)) as estimated_cost_transaction,
    cast({{ r }}.actual_cost_transaction as decimal(18, 2)) as actual_cost_transaction,
    {{ r }}.sales_currency_code,
    cast({{ r }}.estimated_sales_transaction as decimal(18, 2)) as estimated_sales_transaction,
    cast({{ r }}.actual_sales_transaction as decimal(18, 2)) as actual_sales_transaction,
    cast({{ r }}.amounts_without_exchange_rate as bigint) as amounts_without_exchange_rate
{%- endmacro %}
