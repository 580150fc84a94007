-- R24: one row per line of the Project Operations integration journal — each cost and unbilled-sales actual
-- Finance receives — with its journal (legal entity × month), voucher, and amounts in transaction and accounting
-- currency. SPEC §3.3: accounting_date is the date the line posts on (never in a closed period),
-- original_accounting_date the actual's.
select
    integration_line_id,
    journal_id,
    journal_number,
    voucher,
    actual_id,
    legal_entity,
    accounting_date,
    period,
    transaction_date,
    transaction_type,
    project_id,
    work_order_id,
    work_order_line_id,
    contract_id,
    contract_line_id,
    customer_id,
    billing_type,
    product_id,
    project_category,
    posting_profile_id,
    quantity,
    unit_price,
    amount,
    currency_code,
    exchange_rate,
    amount_accounting,
    accounting_currency_code,
    coalesce(original_accounting_date, accounting_date) as original_accounting_date
from {{ ref('int_integration_journal_lines_recorded') }}
