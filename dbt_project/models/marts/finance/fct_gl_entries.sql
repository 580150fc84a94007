-- R25: one row per general ledger posting leg (accounting currency), traced to its source event (integration
-- journal line, customer invoice line, revenue recognition) and to the project and work order behind it.
select
    gl_entry_id,
    voucher,
    legal_entity,
    accounting_date,
    period,
    main_account,
    posting_type,
    debit_amount,
    credit_amount,
    accounting_currency_code,
    source_type,
    source_id,
    project_id,
    work_order_id,
    contract_line_id,
    actual_id,
    invoice_id
from {{ ref('int_gl_entries_recorded') }}
