-- I7: every posted customer invoice = its confirmed proforma's total + its sales tax. Returns the invoices that
-- differ, or posted without a confirmed proforma.
{{ config(meta={'dagster': {'ref': {'name': 'fct_customer_invoices'}}}) }}

select
    posted.invoice_id,
    posted.total_amount,
    proformas.total_amount as proforma_total,
    posted.tax_amount,
    proformas.status
from {{ ref('fct_customer_invoices') }} as posted
left join {{ ref('fct_proforma_invoices') }} as proformas
    on posted.invoice_id = proformas.invoice_id
where proformas.invoice_id is null
    or proformas.status <> 'confirmed'
    or posted.invoice_number <> proformas.invoice_number
    or posted.total_amount <> proformas.total_amount + posted.tax_amount
