-- SPEC §3.3: the frozen trial balance (level account) and ledger totals (level period) of every closed period,
-- taken the first run it was closed (append-only: int_period_close_snapshots_recorded).
select
    snapshot_row_id,
    legal_entity,
    period,
    snapshot_level as level,
    main_account,
    posting_type,
    accounting_currency_code,
    opening_balance,
    debit_amount,
    credit_amount,
    closing_balance,
    entry_count,
    voucher_count,
    closed_through,
    snapshot_load_id
from {{ ref('int_period_close_snapshots_recorded') }}
