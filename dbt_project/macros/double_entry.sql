{#- R25 double entry: the side a leg books on. A posting rule names its debit and credit legs for a positive
    amount; a negative amount (a reversal, a credit note, a falling estimate) books the same legs with the sides
    swapped, as a positive amount (abs). -#}
{% macro booked_side(side, amount) -%}
    case when ({{ side }} = 'debit') = ({{ amount }} >= 0) then 'debit' else 'credit' end
{%- endmacro %}
