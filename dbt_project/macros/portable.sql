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

{#- `select * from <relation> qualify row_number() over (partition by … order by …) = 1`: the first row per
    partition. Spark has no QUALIFY: there the rows keep a column `_qualify_rank` beside their own, so the query's
    next select names its columns. -#}
{% macro first_row_per(relation, partition_by, order_by) -%}
    {{ return(adapter.dispatch('first_row_per', 'fieldledger')(relation, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__first_row_per(relation, partition_by, order_by) -%}
    select *
    from {{ relation }}
    qualify row_number() over (partition by {{ partition_by }} order by {{ order_by }}) = 1
{%- endmacro %}

{% macro spark__first_row_per(relation, partition_by, order_by) -%}
    select *
    from (
        select *, row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as _qualify_rank
        from {{ relation }}
    ) as ranked
    where _qualify_rank = 1
{%- endmacro %}

{#- ISO day of the week, Monday 1 … Sunday 7 (a bigint, as DuckDB's extract). -#}
{% macro iso_day_of_week(date_expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'fieldledger')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expression) -%}
    extract(isodow from {{ date_expression }})
{%- endmacro %}

{% macro spark__iso_day_of_week(date_expression) -%}
    cast(extract(dayofweek_iso from {{ date_expression }}) as bigint)
{%- endmacro %}

{#- The lower / upper 64 bits of a text's md5 as an integer, for order-free XOR fingerprints (D-I2). The values
    differ between engines (DuckDB: unsigned; Spark: signed): a fingerprint is only ever compared with one of its
    own engine. -#}
{% macro md5_lower64(expression) -%}
    {{ return(adapter.dispatch('md5_lower64', 'fieldledger')(expression)) }}
{%- endmacro %}

{% macro default__md5_lower64(expression) -%}
    md5_number_lower({{ expression }})
{%- endmacro %}

{% macro spark__md5_lower64(expression) -%}
    cast(conv(substr(md5({{ expression }}), 17, 16), 16, -10) as bigint)
{%- endmacro %}

{% macro md5_upper64(expression) -%}
    {{ return(adapter.dispatch('md5_upper64', 'fieldledger')(expression)) }}
{%- endmacro %}

{% macro default__md5_upper64(expression) -%}
    md5_number_upper({{ expression }})
{%- endmacro %}

{% macro spark__md5_upper64(expression) -%}
    cast(conv(substr(md5({{ expression }}), 1, 16), 16, -10) as bigint)
{%- endmacro %}

{#- A window's last non-NULL value: `last_value(x ignore nulls) over …` (the caller writes the over clause). -#}
{% macro last_value_ignore_nulls(expression) -%}
    {{ return(adapter.dispatch('last_value_ignore_nulls', 'fieldledger')(expression)) }}
{%- endmacro %}

{% macro default__last_value_ignore_nulls(expression) -%}
    last_value({{ expression }} ignore nulls)
{%- endmacro %}

{% macro spark__last_value_ignore_nulls(expression) -%}
    last_value({{ expression }}, true)
{%- endmacro %}

{#- extract(<part> from <date>) as a bigint on both engines (DuckDB's extract is a bigint, Spark's an int). -#}
{% macro date_part_number(part, date_expression) -%}
    {{ return(adapter.dispatch('date_part_number', 'fieldledger')(part, date_expression)) }}
{%- endmacro %}

{% macro default__date_part_number(part, date_expression) -%}
    extract({{ part }} from {{ date_expression }})
{%- endmacro %}

{% macro spark__date_part_number(part, date_expression) -%}
    cast(extract({{ part }} from {{ date_expression }}) as bigint)
{%- endmacro %}

{#- string_agg([distinct] x, sep order by <key>): NULL for a group with no non-NULL value, as DuckDB's. Spark has
    no ordered string_agg: the values are collected with their key, sorted, and joined. -#}
{% macro string_agg_ordered(expression, separator, order_by, distinct=false) -%}
    {{ return(adapter.dispatch('string_agg_ordered', 'fieldledger')(expression, separator, order_by, distinct)) }}
{%- endmacro %}

{% macro default__string_agg_ordered(expression, separator, order_by, distinct) -%}
    string_agg({{ 'distinct ' if distinct }}{{ expression }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__string_agg_ordered(expression, separator, order_by, distinct) -%}
    case when count({{ expression }}) > 0 then array_join(transform(array_sort(
        {{ 'collect_set' if distinct else 'collect_list' }}(named_struct('k', {{ order_by }}, 'v', {{ expression }}))),
        s -> s.v), {{ separator }}) end
{%- endmacro %}

{#- A text's SHA-256 as 64 lower-case hex digits. -#}
{% macro sha256_hex(expression) -%}
    {{ return(adapter.dispatch('sha256_hex', 'fieldledger')(expression)) }}
{%- endmacro %}

{% macro default__sha256_hex(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro spark__sha256_hex(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}
