-- R25: one row per general ledger posting leg (accounting currency), traced to its source event (integration
-- journal line, customer invoice line detail, revenue recognition) and (SPEC §3.1) to the work order line and
-- actual, or milestone, behind it. SPEC §3.3: accounting_date is never in a closed period; original_accounting_date
-- is the event's own date.
-- Legs recorded before these columns existed (a build from before issue 11: NULL, append_new_columns) get them
-- from their source — the integration journal line, the invoice line detail — and their accounting date as
-- original (nothing was moved then). Customer invoice legs recorded per invoice line by such a build keep that
-- grain: their source_id is the customer invoice line, without work order line (D-T1).
with gl as (
    select * from {{ ref('int_gl_entries_recorded') }}
),

integration as (
    select integration_line_id, work_order_line_id, original_accounting_date
    from {{ ref('int_integration_journal_lines_recorded') }}
),

details as (
    select customer_invoice_line_detail_id, work_order_line_id, work_order_id, project_id, actual_id, milestone_id
    from {{ ref('int_customer_invoice_line_details_recorded') }}
)

select
    gl.gl_entry_id,
    gl.voucher,
    gl.legal_entity,
    gl.accounting_date,
    gl.period,
    gl.main_account,
    gl.posting_type,
    gl.debit_amount,
    gl.credit_amount,
    gl.accounting_currency_code,
    gl.source_type,
    gl.source_id,
    coalesce(gl.project_id, details.project_id) as project_id,
    coalesce(gl.work_order_id, details.work_order_id) as work_order_id,
    coalesce(gl.work_order_line_id, integration.work_order_line_id, details.work_order_line_id) as work_order_line_id,
    gl.contract_line_id,
    coalesce(gl.actual_id, details.actual_id) as actual_id,
    gl.invoice_id,
    coalesce(gl.invoice_line_detail_id, details.customer_invoice_line_detail_id) as invoice_line_detail_id,
    coalesce(gl.milestone_id, details.milestone_id) as milestone_id,
    coalesce(gl.original_accounting_date, integration.original_accounting_date, gl.accounting_date)
        as original_accounting_date,
    {{ period_key('coalesce(gl.original_accounting_date, integration.original_accounting_date, gl.accounting_date)') }}
        as original_period
from gl
left join integration
    on gl.source_type = 'integration_journal' and gl.source_id = integration.integration_line_id
left join details
    on gl.source_type = 'customer_invoice' and gl.source_id = details.customer_invoice_line_detail_id
