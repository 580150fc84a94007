-- R16–R17: one row per MUL × transaction type (cost always; unbilled sales for chargeable time-and-material
-- lines), with its approval status.
select
    journal.journal_line_id,
    journal.mul_id,
    muls.work_order_line_id,
    muls.work_order_id,
    muls.project_id,
    muls.contract_line_id,
    journal.transaction_type,
    journal.quantity,
    journal.unit_price,
    journal.amount,
    journal.currency_code,
    journal.approval_status,
    journal.decided_at as approval_decided_at
from {{ ref('int_project_journal_lines') }} as journal
inner join {{ ref('int_material_usage_logs_recorded') }} as muls
    on journal.mul_id = muls.mul_id
