-- R25: the posting rules — one row per (event, posting type, side) with its amount in accounting currency, before
-- main accounts. A negative amount (a reversal or a credit) posts the same legs with the sides swapped.
--   cost actual (item)             Dr project_cost / Cr cost_item                         (every profile)
--   unbilled sales actual          Dr wip_sales_value / Cr accrued_revenue                (T&M that accrues revenue)
--   customer invoice line detail   Dr customer_balance / Cr invoiced_revenue (T&M) or wip_invoiced_on_account (fixed
--                                  price), Cr sales_tax_payable; T&M with accrual also Dr accrued_revenue /
--                                  Cr wip_sales_value for the billed item
--   revenue recognition (monthly)  Dr wip_sales_value / Cr accrued_revenue                (fixed price)
-- SPEC §3.1: every leg carries the work order line and actual it came from (an invoice is posted per invoice line
-- detail, with the line's tax and accounting amounts split exactly over its details: D-T1, D-T2); a milestone's
-- legs carry the milestone, revenue recognition its contract line and project only.
with integration as (
    select * from {{ ref('int_integration_journal_lines_recorded') }}
),

invoices as (
    select * from {{ ref('int_customer_invoice_line_details_recorded') }}
),

recognition as (
    select
        recognition.*,
        case
            when recognition.currency_code = recognition.accounting_currency_code then cast(1 as decimal(18, 8))
            else rates.exchange_rate
        end as exchange_rate
    from {{ ref('int_revenue_recognition_recorded') }} as recognition
    left join {{ ref('int_exchange_rates_dated') }} as rates
        on recognition.currency_code = rates.from_currency_code
        and recognition.accounting_currency_code = rates.to_currency_code
        and recognition.period_end >= rates.valid_from
        and (rates.valid_to is null or recognition.period_end <= rates.valid_to)
    where recognition.period_revenue <> 0
),

legs as (
    -- cost actuals
    select 'integration_journal' as source_type, integration_line_id as source_id, voucher, legal_entity,
        accounting_date, project_id, work_order_id, work_order_line_id, contract_line_id, actual_id,
        cast(null as varchar) as invoice_id, cast(null as varchar) as invoice_line_detail_id,
        cast(null as varchar) as milestone_id,
        'project_cost' as posting_type, 'debit' as side, amount_accounting as amount, 1 as leg_order,
        coalesce(original_accounting_date, accounting_date) as original_accounting_date
    from integration where transaction_type = 'cost'
    union all
    select 'integration_journal', integration_line_id, voucher, legal_entity, accounting_date, project_id,
        work_order_id, work_order_line_id, contract_line_id, actual_id, null, null, null,
        'cost_item', 'credit', amount_accounting, 2,
        coalesce(original_accounting_date, accounting_date)
    from integration where transaction_type = 'cost'
    -- unbilled sales, when the profile accrues revenue
    union all
    select 'integration_journal', integration_line_id, voucher, legal_entity, accounting_date, project_id,
        work_order_id, work_order_line_id, contract_line_id, actual_id, null, null, null,
        'wip_sales_value', 'debit', amount_accounting, 1,
        coalesce(original_accounting_date, accounting_date)
    from integration where transaction_type = 'unbilled_sales' and accrues_revenue
    union all
    select 'integration_journal', integration_line_id, voucher, legal_entity, accounting_date, project_id,
        work_order_id, work_order_line_id, contract_line_id, actual_id, null, null, null,
        'accrued_revenue', 'credit', amount_accounting, 2,
        coalesce(original_accounting_date, accounting_date)
    from integration where transaction_type = 'unbilled_sales' and accrues_revenue
    -- customer invoices, per invoice line detail: the balance is the sum of the credit legs, so each detail's legs
    -- (and the voucher) balance exactly
    union all
    select 'customer_invoice', customer_invoice_line_detail_id, invoice_number, legal_entity, invoice_date,
        project_id, work_order_id, work_order_line_id, contract_line_id, actual_id, invoice_id,
        customer_invoice_line_detail_id, milestone_id,
        'customer_balance', 'debit', net_amount_accounting + tax_amount_accounting, 1,
        invoice_date
    from invoices
    union all
    select 'customer_invoice', customer_invoice_line_detail_id, invoice_number, legal_entity, invoice_date,
        project_id, work_order_id, work_order_line_id, contract_line_id, actual_id, invoice_id,
        customer_invoice_line_detail_id, milestone_id,
        case when billing_method = 'fixed_price' then 'wip_invoiced_on_account' else 'invoiced_revenue' end,
        'credit', net_amount_accounting, 2,
        invoice_date
    from invoices
    union all
    select 'customer_invoice', customer_invoice_line_detail_id, invoice_number, legal_entity, invoice_date,
        project_id, work_order_id, work_order_line_id, contract_line_id, actual_id, invoice_id,
        customer_invoice_line_detail_id, milestone_id, 'sales_tax_payable', 'credit', tax_amount_accounting, 3,
        invoice_date
    from invoices where tax_amount_accounting <> 0
    union all
    select 'customer_invoice', customer_invoice_line_detail_id, invoice_number, legal_entity, invoice_date,
        project_id, work_order_id, work_order_line_id, contract_line_id, actual_id, invoice_id,
        customer_invoice_line_detail_id, milestone_id, 'accrued_revenue', 'debit', accrual_to_reverse_accounting, 4,
        invoice_date
    from invoices where accrues_revenue and accrual_to_reverse_accounting <> 0
    union all
    select 'customer_invoice', customer_invoice_line_detail_id, invoice_number, legal_entity, invoice_date,
        project_id, work_order_id, work_order_line_id, contract_line_id, actual_id, invoice_id,
        customer_invoice_line_detail_id, milestone_id, 'wip_sales_value', 'credit', accrual_to_reverse_accounting, 5,
        invoice_date
    from invoices where accrues_revenue and accrual_to_reverse_accounting <> 0
    -- revenue recognition of fixed-price lines (waits for its exchange rate)
    union all
    select 'revenue_recognition', revenue_recognition_id, 'RR-' || legal_entity || '-' || replace(period, '-', '')
        || '-' || substr(contract_line_id, 1, 8), legal_entity, period_end, project_id, null, null, contract_line_id,
        null, null, null, null,
        'wip_sales_value', 'debit', {{ money('cast(period_revenue as decimal(38, 2)) * exchange_rate') }}, 1,
        period_end
    from recognition where exchange_rate is not null
    union all
    select 'revenue_recognition', revenue_recognition_id, 'RR-' || legal_entity || '-' || replace(period, '-', '')
        || '-' || substr(contract_line_id, 1, 8), legal_entity, period_end, project_id, null, null, contract_line_id,
        null, null, null, null,
        'accrued_revenue', 'credit', {{ money('cast(period_revenue as decimal(38, 2)) * exchange_rate') }}, 2,
        period_end
    from recognition where exchange_rate is not null
)

-- SPEC §3.3: an event dated in a closed period posts on the first open date and keeps its own date as
-- original_accounting_date (an integration journal line is already dated so, int_integration_journal_candidates:
-- recorded in the same run, its date is open and stays as it is)
select
    legs.source_type,
    legs.source_id,
    legs.voucher,
    legs.legal_entity,
    {{ posting_date('legs.accounting_date') }} as accounting_date,
    legs.original_accounting_date,
    legs.project_id,
    legs.work_order_id,
    legs.work_order_line_id,
    legs.contract_line_id,
    legs.actual_id,
    legs.invoice_id,
    legs.invoice_line_detail_id,
    legs.milestone_id,
    legs.posting_type,
    -- a negative amount swaps the sides
    case when (legs.side = 'debit') = (legs.amount >= 0) then 'debit' else 'credit' end as side,
    cast(abs(legs.amount) as decimal(18, 2)) as amount,
    legs.leg_order
from legs
left join {{ ref('int_closed_periods') }} as closed
    on legs.legal_entity = closed.legal_entity
where legs.amount <> 0
