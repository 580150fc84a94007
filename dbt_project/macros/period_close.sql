{#- SPEC §3.3: the date an event dated `date_expression` posts on — the date itself when its period is open, else
    the first open date of its legal entity (`closed` is a join of int_closed_periods on the legal entity; no row:
    nothing closed). The event keeps its own date as original_accounting_date. -#}
{% macro posting_date(date_expression, closed='closed') -%}
    case when {{ closed }}.first_open_date > {{ date_expression }} then {{ closed }}.first_open_date
        else cast({{ date_expression }} as date) end
{%- endmacro %}
