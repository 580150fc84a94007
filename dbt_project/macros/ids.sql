{#- Deterministic ids (SPEC §3): md5 of the natural-key parts joined by '|', NULL parts as ''. Same input, same
    id, on every run and every engine. -#}
{% macro hash_id(parts) -%}
    md5(concat_ws('|', {% for p in parts %}coalesce(cast({{ p }} as varchar), ''){{ ", " if not loop.last }}{% endfor %}))
{%- endmacro %}
