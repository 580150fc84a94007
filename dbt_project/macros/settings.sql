{#- SPEC §2 run settings as Jinja values: booleans for the switches, a date string (maybe '') for as_of_date and
    closed_through (SPEC §3.3). -#}
{% macro setting(name) -%}
    {%- set value = var(name) -%}
    {%- if name in ('as_of_date', 'closed_through') -%}
        {{ return((value | string | trim) if value is not none else '') }}
    {%- endif -%}
    {%- set text = value | string | lower | trim -%}
    {#- the words orchestration/settings.py accepts (TRUE_WORDS, FALSE_WORDS; tests/test_settings.py) -#}
    {%- if text in ('true', '1', 'yes', 'y', 'on') -%}
        {{ return(true) }}
    {%- elif text in ('false', '0', 'no', 'n', 'off') -%}
        {{ return(false) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("setting " ~ name ~ "=" ~ value ~ " is not a boolean: use true or false") }}
    {%- endif -%}
{%- endmacro %}

{#- The as_of_date setting as a SQL date expression; empty = latest modifiedon delivered (SPEC §2). -#}
{% macro as_of_date_sql() -%}
    {%- set value = setting('as_of_date') -%}
    {#- the dependency stays the same whatever the setting, so the lineage does not change with it -#}
    {%- set delivery_as_of = ref('int_delivery_as_of_date') -%}
    {%- if value -%}
        cast('{{ value }}' as date)
    {%- else -%}
        (select max(as_of_date) from {{ delivery_as_of }})
    {%- endif -%}
{%- endmacro %}

{#- SQL boolean: is the Finance integration on (SPEC §2 finance_integration)? Finance models select nothing when
    it is off — the deployment model without Finance ends at confirmed proforma invoices. -#}
{% macro finance_enabled() -%}
    {{ 'true' if setting('finance_integration') else 'false' }}
{%- endmacro %}

{#- SPEC §3.3: the closed_through setting as a SQL date (NULL when empty): every period up to its month is closed
    for every legal entity. -#}
{% macro closed_through_sql() -%}
    {%- set value = setting('closed_through') -%}
    {%- if value -%}
        cast('{{ value }}' as date)
    {%- else -%}
        cast(null as date)
    {%- endif -%}
{%- endmacro %}
