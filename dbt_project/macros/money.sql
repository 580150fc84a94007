{#- R5: money is DECIMAL(18,2), rounded half away from zero at the amount level; prices and quantities are
    DECIMAL(18,4). DuckDB's round() on DECIMAL rounds half away from zero. -#}
{% macro money(expression) -%}
    cast(round({{ expression }}, 2) as decimal(18, 2))
{%- endmacro %}

{#- Unit prices and quantities: 4 decimals, half away from zero (also after a division, which yields DOUBLE). -#}
{% macro quantity4(expression) -%}
    cast(round(cast({{ expression }} as decimal(38, 10)), 4) as decimal(18, 4))
{%- endmacro %}
