{#- SPEC §3 (money in reports): one row's part of `total` (money, 2 decimals) in proportion to `weight` over
    `total_weight` (Σ weight of the rows sharing the total), to the cent, truncated toward zero and computed exactly
    in integers (R5); 0 when the weights sum to 0. The cents this leaves (Σ parts ≠ total) go to one row:
    see allocation_remainder. -#}
{% macro allocation_share(total, weight, total_weight) -%}
    (cast(coalesce(
        sign(cast(({{ total }}) * 100 as hugeint)) * sign(cast(({{ weight }}) * 100 as hugeint))
            * sign(cast(({{ total_weight }}) * 100 as hugeint))
            * {{ divide_floor('abs(cast((' ~ total ~ ') * 100 as hugeint)) * abs(cast((' ~ weight ~ ') * 100 as hugeint))',
                'abs(cast((' ~ total_weight ~ ') * 100 as hugeint))', operand_scale=0) }},
        0) as decimal(38, 0)) * cast(0.01 as decimal(3, 2)))
{%- endmacro %}

{#- The cents left over after allocation_share (`total` − Σ shares of the partition), for the row of the largest
    weight (ties: the first by `tie_break`), 0 for every other row: so the parts add up to the total exactly. -#}
{% macro allocation_remainder(total, weight, share, partition_by, tie_break) -%}
    (case when row_number() over (
            partition by {{ partition_by }} order by {{ weight }} desc, {{ tie_break }} asc) = 1
        then ({{ total }}) - sum({{ share }}) over (partition by {{ partition_by }})
        else 0 end)
{%- endmacro %}
