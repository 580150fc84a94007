{#- Schemas are the layer names (staging, intermediate, marts, config), not target-prefixed. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
