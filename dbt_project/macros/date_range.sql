{#- A table of days between two date expressions (inclusive), column `day`. -#}
{% macro date_range(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_range', 'fieldledger')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_range(start_date, end_date) -%}
    generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval 1 day) as t(day)
{%- endmacro %}

{% macro spark__date_range(start_date, end_date) -%}
    (select explode(sequence({{ start_date }}, {{ end_date }}, interval 1 day)) as day) as t
{%- endmacro %}

{#- Whole days from one date to another (positive when `end_date` is later). -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'fieldledger')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    date_diff('day', cast({{ start_date }} as date), cast({{ end_date }} as date))
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    datediff(cast({{ end_date }} as date), cast({{ start_date }} as date))
{%- endmacro %}
