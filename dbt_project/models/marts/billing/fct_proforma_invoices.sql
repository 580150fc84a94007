-- R20–R22: one row per proforma invoice — one per contract and customer per run date with at least one item —
-- its number, run and cut-off dates, status (draft / confirmed) and total.
with invoices as (
    select
        invoice_id,
        invoice_number,
        contract_id,
        customer_id,
        legal_entity,
        run_date,
        cutoff_date,
        currency_code,
        sum(case when billing_type = 'chargeable' then amount else 0 end) as total_amount,
        count(distinct invoice_line_id) as line_count,
        count(*) as detail_count
    from {{ ref('int_invoice_line_details_recorded') }}
    group by invoice_id, invoice_number, contract_id, customer_id, legal_entity, run_date, cutoff_date, currency_code
)

select
    invoices.invoice_id,
    invoices.invoice_number,
    invoices.contract_id,
    invoices.customer_id,
    invoices.legal_entity,
    invoices.run_date,
    invoices.cutoff_date,
    confirmations.invoice_status as status,
    confirmations.confirmed_at,
    invoices.currency_code,
    cast(invoices.total_amount as decimal(18, 2)) as total_amount,
    invoices.line_count,
    invoices.detail_count
from invoices
inner join {{ ref('int_invoice_confirmations') }} as confirmations
    on invoices.invoice_id = confirmations.invoice_id
