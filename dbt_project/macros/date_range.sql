{#- A table of days between two date expressions (inclusive), column `day`. -#}
{% macro date_range(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_range', 'fieldledger')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_range(start_date, end_date) -%}
    generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval 1 day) as t(day)
{%- endmacro %}

{% macro spark__date_range(start_date, end_date) -%}
    lateral (select explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day))
        as day) as t
{%- endmacro %}

{#- Whole days from one date to another (positive when `end_date` is later). -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'fieldledger')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    date_diff('day', cast({{ start_date }} as date), cast({{ end_date }} as date))
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    cast(datediff(cast({{ end_date }} as date), cast({{ start_date }} as date)) as bigint)
{%- endmacro %}

{#- A lateral table of dates from `start_date` to `end_date` (inclusive) by `step` (an interval literal), column
    `day`; empty when the start is after the end. -#}
{% macro date_series(start_date, end_date, step, alias='series') -%}
    {{ return(adapter.dispatch('date_series', 'fieldledger')(start_date, end_date, step, alias)) }}
{%- endmacro %}

{% macro default__date_series(start_date, end_date, step, alias) -%}
    (select unnest(generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), {{ step }}))
        as day) as {{ alias }}
{%- endmacro %}

{% macro spark__date_series(start_date, end_date, step, alias) -%}
    (select explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), {{ step }})) as day)
        as {{ alias }}
{%- endmacro %}

{#- A date as YYYYMMDD text (invoice numbers). -#}
{% macro date_key(date_expression) -%}
    {{ return(adapter.dispatch('date_key', 'fieldledger')(date_expression)) }}
{%- endmacro %}

{% macro default__date_key(date_expression) -%}
    strftime(cast({{ date_expression }} as date), '%Y%m%d')
{%- endmacro %}

{% macro spark__date_key(date_expression) -%}
    date_format(cast({{ date_expression }} as date), 'yyyyMMdd')
{%- endmacro %}

{#- R6: the posting period of a date — its calendar month as YYYY-MM. -#}
{% macro period_key(date_expression) -%}
    {{ return(adapter.dispatch('period_key', 'fieldledger')(date_expression)) }}
{%- endmacro %}

{% macro default__period_key(date_expression) -%}
    strftime(cast({{ date_expression }} as date), '%Y-%m')
{%- endmacro %}

{% macro spark__period_key(date_expression) -%}
    date_format(cast({{ date_expression }} as date), 'yyyy-MM')
{%- endmacro %}
