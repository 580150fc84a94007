-- R25 append-only general ledger (I6, I9): the legs of int_gl_postings with their main account (the legal
-- entity's own mapping, else the * mapping of main_accounts), added once per source event and never changed.
-- SPEC §3.1: legs carry the work order line, actual, invoice line detail or milestone they came from. Customer
-- invoices are posted per invoice line detail; an invoice whose legs a build from before that recorded per invoice
-- line keeps them and is never posted again (D-T1). Columns added since are NULL on the rows recorded before
-- (append_new_columns; fct_gl_entries says what they were). SPEC §3.3: accounting_date (and period) is the date the
-- leg posts on, never in a closed period; original_accounting_date the event's own date.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='append_new_columns',
) }}

with postings as (
    select * from {{ ref('int_gl_postings') }}
    {% if is_incremental() %}
    where source_id not in (select source_id from {{ this }})
        and (source_type <> 'customer_invoice' or invoice_id not in (
            select invoice_id from {{ this }} where source_type = 'customer_invoice'))
    {% endif %}
),

accounts as (
    select
        *,
        row_number() over (
            partition by posting_type, legal_entity order by legal_entity
        ) as duplicate_rank
    from {{ ref('stg_config_overrides__main_accounts') }}
)

select
    {{ hash_id(['postings.source_type', 'postings.source_id', 'postings.posting_type', 'postings.leg_order']) }}
        as gl_entry_id,
    postings.voucher,
    postings.legal_entity,
    postings.accounting_date,
    {{ period_key('postings.accounting_date') }} as period,
    coalesce(own.main_account, fallback.main_account) as main_account,
    postings.posting_type,
    case when postings.side = 'debit' then postings.amount else cast(0 as decimal(18, 2)) end as debit_amount,
    case when postings.side = 'credit' then postings.amount else cast(0 as decimal(18, 2)) end as credit_amount,
    companies.accounting_currency_code,
    postings.source_type,
    postings.source_id,
    postings.project_id,
    postings.work_order_id,
    postings.contract_line_id,
    postings.actual_id,
    postings.invoice_id,
    postings.work_order_line_id,
    postings.invoice_line_detail_id,
    postings.milestone_id,
    postings.original_accounting_date
from postings
left join accounts as own
    on postings.posting_type = own.posting_type and postings.legal_entity = own.legal_entity and own.duplicate_rank = 1
left join accounts as fallback
    on postings.posting_type = fallback.posting_type and fallback.legal_entity = '*' and fallback.duplicate_rank = 1
left join {{ ref('stg_finance__companies') }} as companies
    on postings.legal_entity = companies.company_code
