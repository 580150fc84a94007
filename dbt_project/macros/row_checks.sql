{#- R4 row checks for staging base models. Each macro emits `when <condition> then '<code>: <detail>'` branches
    of one CASE, so the first problem found names the row's reason (codes before ':' are R4 reason codes). -#}

{#- Columns that must have a value; with `unless`, not required on rows where that boolean column is true. -#}
{% macro when_missing(raw_columns, unless=none) -%}
    {%- for col in raw_columns %}
            when {% if unless %}not coalesce({{ unless }}, false) and {% endif %}nullif(trim({{ col }}), '') is null
                then 'missing_required: {{ col }} is empty'
    {%- endfor %}
{%- endmacro %}

{#- pairs of (raw column, typed column, what it should be): text present but not a valid value → bad_type. -#}
{% macro when_bad_type(pairs) -%}
    {%- for raw, typed, kind in pairs %}
            when nullif(trim({{ raw }}), '') is not null and {{ typed }} is null
                then 'bad_type: {{ raw }} ''' || {{ raw }} || ''' is not {{ kind }}'
    {%- endfor %}
{%- endmacro %}

{#- Quantities and durations below zero (negative_quantity). -#}
{% macro when_negative(typed_columns) -%}
    {%- for col in typed_columns %}
            when {{ col }} < 0 then 'negative_quantity: {{ col }} is ' || cast({{ col }} as varchar) || ', below zero'
    {%- endfor %}
{%- endmacro %}

{#- A referenced record that does not exist among the accepted rows of its table (unknown_reference). -#}
{% macro when_unknown(raw_column, found_column, what, unless=none) %}
            when {% if unless %}not coalesce({{ unless }}, false) and {% endif %}{{ raw_column }} is not null
                and {{ found_column }} is null
                then 'unknown_reference: {{ what }} ''' || {{ raw_column }} || ''' does not exist'
{%- endmacro %}

{% macro reason_code(problem_column) -%}
    split_part({{ problem_column }}, ':', 1)
{%- endmacro %}

{#- The delivered values of a rejected row as JSON text, column by column, as they were in the file. -#}
{% macro raw_row_json(relation) -%}
    {%- if execute -%}
        {%- set names = [] -%}
        {%- for col in adapter.get_columns_in_relation(relation) if not col.name.startswith('_') -%}
            {%- do names.append(col.name) -%}
        {%- endfor -%}
        {{ return(adapter.dispatch('raw_row_json', 'fieldledger')(names)) }}
    {%- else -%}
        {{ return("null") }}
    {%- endif -%}
{%- endmacro %}

{#- names may be qualified (alias.column); the JSON key is the column name. -#}
{% macro default__raw_row_json(names) -%}
    cast(json_object({% for n in names %}'{{ n.split('.')[-1] }}', {{ n }}{{ ", " if not loop.last }}{% endfor %}) as varchar)
{%- endmacro %}

{% macro spark__raw_row_json(names) -%}
    to_json(named_struct({% for n in names %}'{{ n.split('.')[-1] }}', {{ n }}{{ ", " if not loop.last }}{% endfor %}))
{%- endmacro %}
