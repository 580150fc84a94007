{#- The incremental path (DECISIONLOG D-I1 … D-I4): what a run recomputes when only a day's delivery is new. -#}

{#- A staging typed model types a landed row once: on an incremental run only the rows of loads it has not typed
    with this very typing SQL (the rendered renamed/row_checked CTEs, macros expanded) are read, so a change of a
    typing rule retypes every row (delete+insert by _load_id replaces them). -#}
{% macro loads_not_yet_typed(typing_sql) -%}
    {%- if is_incremental() %}
    where _load_id not in (
        select distinct _load_id from {{ this }} where _typed_by = {{ typing_checksum(typing_sql) }}
    )
    {%- endif %}
{%- endmacro %}

{% macro typing_checksum(typing_sql) -%}
    '{{ local_md5(typing_sql | trim) }}'
{%- endmacro %}
