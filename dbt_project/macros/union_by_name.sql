{#- The rows of several relations stacked by column name, not position: a column a relation does not have is NULL
    there (the GL postings, one model per posting document). -#}
{% macro union_by_name(relations) -%}
    {{ return(adapter.dispatch('union_by_name', 'fieldledger')(relations)) }}
{%- endmacro %}

{% macro default__union_by_name(relations) -%}
    {%- for relation in relations %}
    {% if not loop.first %}union all by name {% endif %}select * from {{ relation }}
    {%- endfor %}
{%- endmacro %}

{#- Spark SQL has no UNION BY NAME: select every column of any relation by name, NULL where a relation lacks it. -#}
{% macro spark__union_by_name(relations) -%}
    {%- set columns = {} -%}
    {%- set columns_of = {} -%}
    {%- for relation in relations -%}
        {%- set names = [] -%}
        {%- for column in (adapter.get_columns_in_relation(relation) if execute else []) -%}
            {%- do names.append(column.name | lower) -%}
            {%- if column.name | lower not in columns -%}{%- do columns.update({column.name | lower: column.data_type}) -%}{%- endif -%}
        {%- endfor -%}
        {%- do columns_of.update({relation | string: names}) -%}
    {%- endfor -%}
    {%- for relation in relations %}
    {% if not loop.first %}union all {% endif %}select
        {%- for name, data_type in columns.items() %}
        {% if name in columns_of[relation | string] %}{{ name }}{% else %}cast(null as {{ data_type }}) as {{ name }}{% endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {%- endfor %}
{%- endmacro %}
