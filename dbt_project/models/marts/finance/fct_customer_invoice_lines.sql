-- R26: one row per line of a posted customer invoice (a contract line), with its sales tax.
select
    customer_invoice_line_id,
    invoice_id,
    invoice_number,
    contract_line_id,
    billing_method,
    posting_profile_id,
    invoice_date,
    currency_code,
    net_amount,
    tax_rate_percent,
    tax_amount,
    total_amount,
    exchange_rate,
    net_amount_accounting,
    tax_amount_accounting
from {{ ref('int_customer_invoice_lines_recorded') }}
