{#- Spark only (issue 15, DECISIONLOG D-SP3, D-SP4): what dbt-spark needs to build the project's SQL unchanged.
    Nothing here is called on DuckDB: these macros override dbt-spark's own (spark__ prefix, or names only
    dbt-spark's materializations call). -#}

{#- Type names DuckDB accepts and Spark 3.5 does not, in the SQL Spark runs: `varchar` without a length is
    `string` in Spark (models cast with `as varchar` in 400 places; the rename is one rule here, not 400 macro
    calls in models other sessions edit), `timestamptz` (DuckDB's UTC instants) is Spark's `timestamp` (the
    session time zone is UTC), `hugeint` (exact integer arithmetic, R5) is `decimal(38, 0)`. The rule only touches the type words outside literals and comments. -#}
{% macro spark_portable_sql(sql) -%}
    {#- the type rule skips literals ('…', with '' or \' inside) and -- comments; a literal's '' becomes \' -#}
    {%- set parts = modules.re.split("('(?:[^'\\\\]|\\\\.|'')*'|--[^\\n]*)", sql) -%}
    {%- set out = [] -%}
    {%- for part in parts -%}
        {%- if loop.index is even and part.startswith("'") and part | length > 2 -%}
            {#- Spark reads 'a''b' as two literals run together ('ab'): a quote inside is written \' there -#}
            {%- set part = "'" ~ part[1:-1].replace("''", "\\'") ~ "'" -%}
        {%- endif -%}
        {%- if loop.index is odd -%}
            {%- set part = modules.re.sub('(?i)\\bvarchar\\b(?!\\s*\\()', 'string', part) -%}
            {%- set part = modules.re.sub('(?i)\\btimestamptz\\b', 'timestamp', part) -%}
            {%- set part = modules.re.sub('(?i)\\bhugeint\\b', 'decimal(38, 0)', part) -%}
        {%- endif -%}
        {%- do out.append(part) -%}
    {%- endfor -%}
    {{ return(out | join('')) }}
{%- endmacro %}

{#- Data tests (the I1–I7 invariants among them): their SQL with the same type names as the models'. -#}
{% macro spark__get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) -%}
    {{ return(dbt.default__get_test_sql(spark_portable_sql(main_sql), fail_calc, warn_if, error_if, limit)) }}
{%- endmacro %}

{% macro spark__create_temporary_view(relation, compiled_code) -%}
    create or replace temporary view {{ relation }} as
      {{ spark_portable_sql(compiled_code) }}
{%- endmacro -%}

{% macro spark__create_view_as(relation, sql) -%}
    {{ return(dbt.spark__create_view_as(relation, spark_portable_sql(sql))) }}
{%- endmacro %}

{#- delete+insert by _load_id (the staging typed models, D-I1) on Parquet, which has no DELETE: the table is
    partitioned by its unique key and an incremental run overwrites the partitions of the new rows' keys
    (dynamic partition overwrite) — the same rows as DuckDB's delete of those keys and insert. -#}
{%- macro spark__create_table_as(temporary, relation, compiled_code, language='sql') -%}
    {%- if language == 'sql' and not temporary and config.get('incremental_strategy') == 'delete+insert' -%}
        create table {{ relation }}
        using parquet
        partitioned by ({{ config.get('unique_key') }})
        {{ comment_clause() }}
        as
        {{ spark_portable_sql(compiled_code) }}
    {%- elif language == 'sql' -%}
        {{ return(dbt.spark__create_table_as(temporary, relation, spark_portable_sql(compiled_code), language)) }}
    {%- else -%}
        {{ return(dbt.spark__create_table_as(temporary, relation, compiled_code, language)) }}
    {%- endif -%}
{%- endmacro -%}

{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy == 'delete+insert' -%}
        {%- if config.get('unique_key') is not string -%}
            {%- do exceptions.raise_compiler_error("delete+insert on Spark needs one unique_key column (D-SP4)") -%}
        {%- endif -%}
        {%- do return(raw_strategy) -%}
    {%- endif -%}
    {%- do return(dbt.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) -%}
{% endmacro %}

{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
    {%- if strategy == 'delete+insert' -%}
        {%- set dest_cols_csv = adapter.get_columns_in_relation(target) | map(attribute='quoted') | join(', ') -%}
        insert overwrite table {{ target }} partition ({{ unique_key }})
        select {{ dest_cols_csv }} from {{ source }}
    {%- else -%}
        {{ return(dbt.dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key,
                                                    incremental_predicates)) }}
    {%- endif -%}
{% endmacro %}

{#- Seeds: the column_types of seeds/config are DuckDB type names (varchar); dbt-spark's own macro with the
    type names made portable. -#}
{% macro spark__create_csv_table(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
  {% set sql %}
    create table {{ this.render() }} (
        {%- for col_name in agate_table.column_names -%}
            {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
            {%- set type = column_override.get(col_name, inferred_type) -%}
            {%- set column_name = (col_name | string) -%}
            {{ adapter.quote_seed_column(column_name, quote_seed_column) }} {{ type }} {%- if not loop.last -%}, {%- endif -%}
        {%- endfor -%}
    )
    {{ file_format_clause() }}
    {{ partition_cols(label="partitioned by") }}
    {{ clustered_cols(label="clustered by") }}
    {{ location_clause() }}
    {{ comment_clause() }}
  {% endset %}
  {% set sql = spark_portable_sql(sql) %}
  {% call statement('_') -%}
    {{ sql }}
  {%- endcall %}
  {{ return(sql) }}
{% endmacro %}

{#- Enforced contracts: dbt checks a model's columns against `select cast(null as <yml data_type>) …`; the yml
    types are DuckDB's names. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {{ return(spark_portable_sql(dbt.default__get_empty_schema_sql(columns))) }}
{%- endmacro %}

{#- The timeline of touched lines (D-I2) needs DELETE on the fingerprint table, which Parquet lacks: on Spark every
    run takes the full path (every line's timeline, as --full-refresh does on DuckDB; the ledgers' rules are the
    same, so the same rows) and the post-hook rewrites the fingerprints whole (D-SP4). -#}
{% macro spark__timeline_of_touched_lines_only() -%}
    {{ return(false) }}
{%- endmacro %}

{% macro spark__record_line_fingerprints() -%}
    {%- set seen = line_fingerprints_relation() -%}
    {%- if execute -%}
        {%- do run_query('drop table if exists ' ~ seen) -%}
    {%- endif -%}
    create table {{ seen }} using parquet as
    select work_order_line_id, inputs_fingerprint from {{ ref('int_work_order_lines_touched') }}
    where inputs_fingerprint is not null
{%- endmacro %}

{#- Seed rows: dbt-spark's own macro, its casts with portable type names. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {% set batch_size = get_batch_size() %}
  {% set column_override = model['config'].get('column_types', {}) %}
  {% set statements = [] %}
  {% for chunk in agate_table.rows | batch(batch_size) %}
      {% set bindings = [] %}
      {% for row in chunk %}
          {% do bindings.extend(row) %}
      {% endfor %}
      {% set sql %}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for col_name in agate_table.column_names -%}
                  {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                  {%- set type = column_override.get(col_name, inferred_type) -%}
                    cast({{ get_binding_char() }} as {{ spark_portable_sql(type) }})
                  {%- if not loop.last%},{%- endif %}
              {%- endfor -%})
              {%- if not loop.last%},{%- endif %}
          {%- endfor %}
      {% endset %}
      {% do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) %}
      {% if loop.index0 == 0 %}
          {% do statements.append(sql) %}
      {% endif %}
  {% endfor %}
  {{ return(statements[0]) }}
{% endmacro %}
