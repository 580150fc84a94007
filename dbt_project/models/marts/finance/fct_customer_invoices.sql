-- R26: one row per posted customer invoice — a confirmed proforma (same id and number) with sales tax per invoice
-- line, its total and the total in accounting currency.
select
    invoice_id,
    invoice_number,
    legal_entity,
    customer_id,
    contract_id,
    invoice_date,
    period,
    currency_code,
    cast(sum(net_amount) as decimal(18, 2)) as net_amount,
    cast(sum(tax_amount) as decimal(18, 2)) as tax_amount,
    cast(sum(total_amount) as decimal(18, 2)) as total_amount,
    max(exchange_rate) as exchange_rate,
    accounting_currency_code,
    cast(sum(net_amount_accounting + tax_amount_accounting) as decimal(18, 2)) as total_amount_accounting,
    count(*) as line_count
from {{ ref('int_customer_invoice_lines_recorded') }}
group by invoice_id, invoice_number, legal_entity, customer_id, contract_id, invoice_date, period, currency_code,
    accounting_currency_code
