{#- Folding a list in SQL, on both engines (issue 15, DECISIONLOG D-SP7): the sequential rules (R19's greedy
    not-to-exceed) are a fold over an ordered list, since neither engine needs a recursive CTE for it and Spark 3.5
    has none. The default__ forms are DuckDB's (list_reduce, `lambda x: …`, struct_pack, maps), spark__ Spark
    SQL's (aggregate, `x -> …`, named_struct, map_filter). -#}

{#- fold(list, initial, state, element): the list folded from `initial`; the call block's body is the step, an
    expression of the names `state` (what is folded so far) and `element`. The step must return exactly the type
    of `initial` (Spark checks it), so cast what it computes:
        {% call fold('items', 'cast(0 as decimal(38, 2))', 'total', 'item') %}cast(total + item.amount as …){% endcall %} -#}
{% macro fold(list_expression, initial, state, element) -%}
    {{ return(adapter.dispatch('fold', 'fieldledger')(list_expression, initial, state, element, caller())) }}
{%- endmacro %}

{% macro default__fold(list_expression, initial, state, element, step) -%}
    list_reduce({{ list_expression }}, lambda {{ state }}, {{ element }}: {{ step }}, {{ initial }})
{%- endmacro %}

{% macro spark__fold(list_expression, initial, state, element, step) -%}
    aggregate({{ list_expression }}, {{ initial }}, ({{ state }}, {{ element }}) -> {{ step }})
{%- endmacro %}

{#- The values of a group as a list in order (an aggregate): DuckDB's `list(x order by …)`; Spark's collect_list has
    no order, so its entries carry their sort key and are sorted. -#}
{% macro ordered_list(expression, order_by) -%}
    {{ return(adapter.dispatch('ordered_list', 'fieldledger')(expression, order_by)) }}
{%- endmacro %}

{% macro default__ordered_list(expression, order_by) -%}
    list({{ expression }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_list(expression, order_by) -%}
    transform(array_sort(collect_list(named_struct('sort_key', {{ order_by }}, 'entry', {{ expression }}))),
              sorted -> sorted.entry)
{%- endmacro %}

{#- A struct of named fields, in the order given: record(total='…', codes='…'). -#}
{% macro record() -%}
    {{ return(adapter.dispatch('record', 'fieldledger')(kwargs)) }}
{%- endmacro %}

{% macro default__record(fields) -%}
    struct_pack({% for name, expression in fields.items() %}{{ name }} := {{ expression }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro spark__record(fields) -%}
    named_struct({% for name, expression in fields.items() %}'{{ name }}', {{ expression }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- Maps: an empty one of a type, the value of a key (NULL when absent), and the map with a key set to a value. -#}
{% macro empty_map(key_type, value_type) -%}
    {{ return(adapter.dispatch('empty_map', 'fieldledger')(key_type, value_type)) }}
{%- endmacro %}

{% macro default__empty_map(key_type, value_type) -%}
    cast(map() as map({{ key_type }}, {{ value_type }}))
{%- endmacro %}

{% macro spark__empty_map(key_type, value_type) -%}
    cast(map() as map<{{ key_type }}, {{ value_type }}>)
{%- endmacro %}

{% macro map_value(map_expression, key) -%}
    {{ return(adapter.dispatch('map_value', 'fieldledger')(map_expression, key)) }}
{%- endmacro %}

{% macro default__map_value(map_expression, key) -%}
    {{ map_expression }}[{{ key }}]
{%- endmacro %}

{% macro spark__map_value(map_expression, key) -%}
    element_at({{ map_expression }}, {{ key }})
{%- endmacro %}

{% macro map_with(map_expression, key, value) -%}
    {{ return(adapter.dispatch('map_with', 'fieldledger')(map_expression, key, value)) }}
{%- endmacro %}

{#- map_concat: the last map's value wins on DuckDB -#}
{% macro default__map_with(map_expression, key, value) -%}
    map_concat({{ map_expression }}, map([{{ key }}], [{{ value }}]))
{%- endmacro %}

{#- Spark's map_concat fails on a duplicate key (spark.sql.mapKeyDedupPolicy), so the key is taken out first -#}
{% macro spark__map_with(map_expression, key, value) -%}
    map_concat(map_filter({{ map_expression }}, (map_key, map_entry) -> map_key <> {{ key }}), map({{ key }}, {{ value }}))
{%- endmacro %}
