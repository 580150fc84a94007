-- SPEC §3.1, R26 (D-T2): the details of every posted customer invoice line add up to it exactly — net, sales tax
-- and both in accounting currency — and every line has its details. Returns the lines that differ.
{{ config(meta={'dagster': {'ref': {'name': 'fct_customer_invoice_line_details'}}}) }}

with details as (
    select
        customer_invoice_line_id,
        sum(net_amount) as net_amount,
        sum(tax_amount) as tax_amount,
        sum(net_amount_accounting) as net_amount_accounting,
        sum(tax_amount_accounting) as tax_amount_accounting
    from {{ ref('fct_customer_invoice_line_details') }}
    group by customer_invoice_line_id
)

select lines.customer_invoice_line_id, lines.net_amount, details.net_amount as details_net, lines.tax_amount,
    details.tax_amount as details_tax, lines.net_amount_accounting,
    details.net_amount_accounting as details_net_accounting,
    lines.tax_amount_accounting, details.tax_amount_accounting as details_tax_accounting
from {{ ref('fct_customer_invoice_lines') }} as lines
left join details
    on lines.customer_invoice_line_id = details.customer_invoice_line_id
where details.customer_invoice_line_id is null
    or lines.net_amount <> details.net_amount
    or lines.tax_amount <> details.tax_amount
    or lines.net_amount_accounting <> details.net_amount_accounting
    or lines.tax_amount_accounting <> details.tax_amount_accounting
