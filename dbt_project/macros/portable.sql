{#- Portable forms of DuckDB's SQL extensions (issue 15, DECISIONLOG D-SP3). The default__ form is the SQL the
    models had before, unchanged; spark__ is Spark SQL's. -#}

{#- `select * replace (<expr> as <column>)`: every column of `relation`, one of them replaced, in place. The
    expression is the call block's body:
        select {% call star_replace(ref('x'), 'problem') %}coalesce(problem, ...){% endcall %} from {{ ref('x') }} -#}
{% macro star_replace(relation, column) -%}
    {{ return(adapter.dispatch('star_replace', 'fieldledger')(relation, column, caller())) }}
{%- endmacro %}

{% macro default__star_replace(relation, column, expression) -%}
    * replace ({{ expression }} as {{ column }})
{%- endmacro %}

{% macro spark__star_replace(relation, column, expression) -%}
    {%- if not execute -%}{{ return('*') }}{%- endif -%}
    {%- set cols = [] -%}
    {%- for col in adapter.get_columns_in_relation(relation) -%}
        {%- do cols.append(('(' ~ expression ~ ') as ' ~ column) if col.name | lower == column | lower
                           else adapter.quote(col.name)) -%}
    {%- endfor -%}
    {{ cols | join(', ') }}
{%- endmacro %}

{#- `select * exclude (<columns>)` from one relation (`prefix`: its alias in the query, if any). -#}
{% macro star_exclude(relation, columns, prefix=none) -%}
    {{ return(adapter.dispatch('star_exclude', 'fieldledger')(relation, columns, prefix)) }}
{%- endmacro %}

{% macro default__star_exclude(relation, columns, prefix) -%}
    {{ prefix ~ '.' if prefix }}* exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__star_exclude(relation, columns, prefix) -%}
    {%- if not execute -%}{{ return('*') }}{%- endif -%}
    {%- set drop = columns | map('lower') | list -%}
    {%- set cols = [] -%}
    {%- for col in adapter.get_columns_in_relation(relation) if col.name | lower not in drop -%}
        {%- do cols.append((prefix ~ '.' if prefix else '') ~ adapter.quote(col.name)) -%}
    {%- endfor -%}
    {{ cols | join(', ') }}
{%- endmacro %}
