{#- R5: money is DECIMAL(18,2), rounded half away from zero at the amount level; prices and quantities are
    DECIMAL(18,4). DuckDB's round() on DECIMAL rounds half away from zero. -#}
{% macro money(expression) -%}
    cast(round({{ expression }}, 2) as decimal(18, 2))
{%- endmacro %}

{#- Unit prices and quantities: 4 decimals, half away from zero (also after a division, which yields DOUBLE). -#}
{% macro quantity4(expression) -%}
    cast(round(cast({{ expression }} as decimal(38, 10)), 4) as decimal(18, 4))
{%- endmacro %}

{#- R5/R27 exact division: numerator / denominator rounded half away from zero to `scale` decimals, computed in
    integers (DuckDB divides DECIMALs in DOUBLE). Both operands must have at most `operand_scale` decimals. -#}
{% macro divide_round(numerator, denominator, scale=2, operand_scale=4) -%}
    {{ return(adapter.dispatch('divide_round', 'fieldledger')(numerator, denominator, scale, operand_scale)) }}
{%- endmacro %}

{% macro default__divide_round(numerator, denominator, scale, operand_scale) -%}
    {%- set n = 'cast((' ~ numerator ~ ') * ' ~ (10 ** operand_scale) ~ ' as hugeint)' -%}
    {%- set d = 'cast(nullif(' ~ denominator ~ ', 0) * ' ~ (10 ** operand_scale) ~ ' as hugeint)' -%}
    (cast(sign({{ n }}) * sign({{ d }})
        * ((abs({{ n }}) * {{ 2 * 10 ** scale }} + abs({{ d }})) // (2 * abs({{ d }}))) as decimal(38, 0))
        * cast({{ '1' if scale == 0 else '0.' ~ '0' * (scale - 1) ~ '1' }} as decimal({{ scale + 1 }}, {{ scale }})))
{%- endmacro %}

{% macro spark__divide_round(numerator, denominator, scale, operand_scale) -%}
    {%- set n = 'cast((' ~ numerator ~ ') * ' ~ (10 ** operand_scale) ~ ' as decimal(38, 0))' -%}
    {%- set d = 'cast(nullif(' ~ denominator ~ ', 0) * ' ~ (10 ** operand_scale) ~ ' as decimal(38, 0))' -%}
    (cast(sign({{ n }}) * sign({{ d }})
        * ((abs({{ n }}) * {{ 2 * 10 ** scale }} + abs({{ d }})) div (2 * abs({{ d }}))) as decimal(38, 0))
        * cast({{ '1' if scale == 0 else '0.' ~ '0' * (scale - 1) ~ '1' }} as decimal({{ scale + 1 }}, {{ scale }})))
{%- endmacro %}

{#- floor / ceil of numerator / denominator for non-negative operands, exact (service rounding, R13); NULL when
    the denominator is 0 or NULL. -#}
{% macro divide_floor(numerator, denominator, operand_scale=4) -%}
    {{ return(adapter.dispatch('divide_floor', 'fieldledger')(numerator, denominator, operand_scale)) }}
{%- endmacro %}

{% macro default__divide_floor(numerator, denominator, operand_scale) -%}
    (cast((({{ numerator }}) * {{ 10 ** operand_scale }}) as hugeint)
        // cast(nullif({{ denominator }}, 0) * {{ 10 ** operand_scale }} as hugeint))
{%- endmacro %}

{% macro divide_ceil(numerator, denominator, operand_scale=4) -%}
    {{ return(adapter.dispatch('divide_ceil', 'fieldledger')(numerator, denominator, operand_scale)) }}
{%- endmacro %}

{% macro default__divide_ceil(numerator, denominator, operand_scale) -%}
    ((cast((({{ numerator }}) * {{ 10 ** operand_scale }}) as hugeint)
        + cast(nullif({{ denominator }}, 0) * {{ 10 ** operand_scale }} as hugeint) - 1)
        // cast(nullif({{ denominator }}, 0) * {{ 10 ** operand_scale }} as hugeint))
{%- endmacro %}

{#- Spark: DECIMAL(38, 0) for DuckDB's HUGEINT, `div` for `//` (non-negative operands: both floor). -#}
{% macro spark__divide_floor(numerator, denominator, operand_scale) -%}
    (cast((({{ numerator }}) * {{ 10 ** operand_scale }}) as decimal(38, 0))
        div cast(nullif({{ denominator }}, 0) * {{ 10 ** operand_scale }} as decimal(38, 0)))
{%- endmacro %}

{% macro spark__divide_ceil(numerator, denominator, operand_scale) -%}
    ((cast((({{ numerator }}) * {{ 10 ** operand_scale }}) as decimal(38, 0))
        + cast(nullif({{ denominator }}, 0) * {{ 10 ** operand_scale }} as decimal(38, 0)) - 1)
        div cast(nullif({{ denominator }}, 0) * {{ 10 ** operand_scale }} as decimal(38, 0)))
{%- endmacro %}
