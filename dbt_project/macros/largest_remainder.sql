{#- SPEC §3.1 (DECISIONLOG D-T2): a total that was rounded once for a group of rows (an invoice line's sales tax,
    its amount in accounting currency) split over the rows, exact to the cent, by the largest remainder rule.
    `exact_cents` is each row's unrounded part in cents (e.g. detail net × tax percent; detail amount × rate × 100),
    exact in DECIMAL(38, n); Σ exact_cents over the group is the unrounded total and `total` (money) is that total
    rounded. Each row gets floor(exact_cents) cents; the cents still missing to reach `total` (0 ≤ k ≤ rows: the
    total was rounded half away from zero) go one each to the k rows with the largest remainders
    (exact_cents − floor), ties by `tie_break` (the row id, ascending). Works for any signs (credits). -#}
{% macro largest_remainder(exact_cents, total, partition_by, tie_break) -%}
    cast((floor({{ exact_cents }}) + case
        when row_number() over (
            partition by {{ partition_by }}
            order by ({{ exact_cents }}) - floor({{ exact_cents }}) desc, {{ tie_break }}
        ) <= cast(({{ total }}) * 100 as decimal(38, 0))
            - sum(floor({{ exact_cents }})) over (partition by {{ partition_by }})
        then 1 else 0 end) * cast(0.01 as decimal(3, 2)) as decimal(18, 2))
{%- endmacro %}
