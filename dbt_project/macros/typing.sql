{#- Text → typed values for staging (R4/R5). Each returns NULL when the text is not a valid value, so that
    `raw is not null and typed is null` is exactly a bad_type. -#}

{#- A decimal with at most `scale` significant decimals (trailing zeros allowed: Dataverse writes 2.5000). -#}
{% macro to_decimal(column, scale=4) -%}
    {{ return(adapter.dispatch('to_decimal', 'fieldledger')(column, scale)) }}
{%- endmacro %}

{% macro default__to_decimal(column, scale) -%}
    case
        when regexp_full_match(trim({{ column }}), '[+-]?[0-9]+(\.[0-9]+)?')
            and try_cast(trim({{ column }}) as decimal(38, 10))
                = round(try_cast(trim({{ column }}) as decimal(38, 10)), {{ scale }})
            then try_cast(trim({{ column }}) as decimal(18, {{ scale }}))
    end
{%- endmacro %}

{% macro spark__to_decimal(column, scale) -%}
    case
        when trim({{ column }}) rlike '^[+-]?[0-9]+(\\.[0-9]+)?$'
            and cast(trim({{ column }}) as decimal(38, 10))
                = round(cast(trim({{ column }}) as decimal(38, 10)), {{ scale }})
            then cast(trim({{ column }}) as decimal(18, {{ scale }}))
    end
{%- endmacro %}

{#- A whole number (option-set codes, version numbers). -#}
{% macro to_integer(column) -%}
    {{ return(adapter.dispatch('to_integer', 'fieldledger')(column)) }}
{%- endmacro %}

{% macro default__to_integer(column) -%}
    case when regexp_full_match(trim({{ column }}), '[+-]?[0-9]{1,18}') then cast(trim({{ column }}) as bigint) end
{%- endmacro %}

{% macro spark__to_integer(column) -%}
    case when trim({{ column }}) rlike '^[+-]?[0-9]{1,18}$' then cast(trim({{ column }}) as bigint) end
{%- endmacro %}

{#- An ISO-8601 instant as a UTC timestamp; text without an offset is UTC (SPEC §1.1). -#}
{% macro to_timestamp(column) -%}
    {{ return(adapter.dispatch('to_timestamp', 'fieldledger')(column)) }}
{%- endmacro %}

{% macro default__to_timestamp(column) -%}
    (try_cast(trim({{ column }}) as timestamptz) at time zone 'UTC')
{%- endmacro %}

{% macro spark__to_timestamp(column) -%}
    to_utc_timestamp(to_timestamp(trim({{ column }})), 'UTC')
{%- endmacro %}

{#- A calendar date; a timestamp is accepted and its UTC date taken. -#}
{% macro to_date(column) -%}
    cast({{ to_timestamp(column) }} as date)
{%- endmacro %}

{% macro to_boolean(column) -%}
    case
        when lower(trim({{ column }})) in ('true', '1', 'yes') then true
        when lower(trim({{ column }})) in ('false', '0', 'no') then false
    end
{%- endmacro %}

{#- Option-set code → readable lower snake_case word; NULL for a code outside the mapping. -#}
{% macro decode(column, mapping) -%}
    case {{ to_integer(column) }}
        {%- for code, label in mapping.items() %}
        when {{ code }} then '{{ label }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- A word from a closed list, compared case-insensitively; NULL when it is not one of them. -#}
{% macro to_word(column, words) -%}
    case when lower(trim({{ column }})) in ('{{ words | join("', '") }}') then lower(trim({{ column }})) end
{%- endmacro %}

{#- The delivered number at full width (up to 28 integer digits), for range checks: a value too large for its staged
    type is out_of_range, not bad_type. NULL when the text is no number (DuckDB also reads 1e20 here: out of range
    is out of range; a malformed number within range is still bad_type). -#}
{% macro to_wide_decimal(column) -%}
    {{ return(adapter.dispatch('to_wide_decimal', 'fieldledger')(column)) }}
{%- endmacro %}

{% macro default__to_wide_decimal(column) -%}
    try_cast(trim({{ column }}) as decimal(38, 10))
{%- endmacro %}

{% macro spark__to_wide_decimal(column) -%}
    case
        when trim({{ column }}) rlike '^[+-]?[0-9]{1,28}(\\.[0-9]+)?$' then cast(trim({{ column }}) as decimal(38, 10))
    end
{%- endmacro %}
