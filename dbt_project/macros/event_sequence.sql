{#- A text key that sorts events by (instant, source, version number), as DESIGN-NOTES §2 orders the revision
    timeline: comparing two keys compares the tuples. -#}
{% macro event_sequence(at, source_rank, version_number) -%}
    {{ return(adapter.dispatch('event_sequence', 'fieldledger')(at, source_rank, version_number)) }}
{%- endmacro %}

{% macro default__event_sequence(at, source_rank, version_number) -%}
    strftime({{ at }}, '%Y-%m-%dT%H:%M:%S.%f') || '|' || cast({{ source_rank }} as varchar)
        || '|' || lpad(cast({{ version_number }} as varchar), 19, '0')
{%- endmacro %}

{% macro spark__event_sequence(at, source_rank, version_number) -%}
    date_format({{ at }}, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS") || '|' || cast({{ source_rank }} as string)
        || '|' || lpad(cast({{ version_number }} as string), 19, '0')
{%- endmacro %}
