-- R25: the posting rules — one row per (event, posting type, side) with its amount in accounting currency, before
-- main accounts. A negative amount (a reversal or a credit) posts the same legs with the sides swapped.
--   cost actual (item)             Dr project_cost / Cr cost_item                         (every profile)
--   unbilled sales actual          Dr wip_sales_value / Cr accrued_revenue                (T&M that accrues revenue)
--   customer invoice line          Dr customer_balance / Cr invoiced_revenue (T&M) or wip_invoiced_on_account (fixed
--                                  price), Cr sales_tax_payable; T&M with accrual also Dr accrued_revenue /
--                                  Cr wip_sales_value for the billed items
--   revenue recognition (monthly)  Dr wip_sales_value / Cr accrued_revenue                (fixed price)
with integration as (
    select * from {{ ref('int_integration_journal_lines_recorded') }}
),

invoices as (
    select * from {{ ref('int_customer_invoice_lines_recorded') }}
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
        accounting_date, project_id, work_order_id, contract_line_id, actual_id, cast(null as varchar) as invoice_id,
        'project_cost' as posting_type, 'debit' as side, amount_accounting as amount, 1 as leg_order
    from integration where transaction_type = 'cost'
    union all
    select 'integration_journal', integration_line_id, voucher, legal_entity, accounting_date, project_id,
        work_order_id, contract_line_id, actual_id, null, 'cost_item', 'credit', amount_accounting, 2
    from integration where transaction_type = 'cost'
    -- unbilled sales, when the profile accrues revenue
    union all
    select 'integration_journal', integration_line_id, voucher, legal_entity, accounting_date, project_id,
        work_order_id, contract_line_id, actual_id, null, 'wip_sales_value', 'debit', amount_accounting, 1
    from integration where transaction_type = 'unbilled_sales' and accrues_revenue
    union all
    select 'integration_journal', integration_line_id, voucher, legal_entity, accounting_date, project_id,
        work_order_id, contract_line_id, actual_id, null, 'accrued_revenue', 'credit', amount_accounting, 2
    from integration where transaction_type = 'unbilled_sales' and accrues_revenue
    -- customer invoices: the balance is the sum of the credit legs, so the voucher balances exactly
    union all
    select 'customer_invoice', customer_invoice_line_id, invoice_number, legal_entity, invoice_date, null, null,
        contract_line_id, null, invoice_id, 'customer_balance', 'debit', net_amount_accounting + tax_amount_accounting, 1
    from invoices
    union all
    select 'customer_invoice', customer_invoice_line_id, invoice_number, legal_entity, invoice_date, null, null,
        contract_line_id, null, invoice_id,
        case when billing_method = 'fixed_price' then 'wip_invoiced_on_account' else 'invoiced_revenue' end,
        'credit', net_amount_accounting, 2
    from invoices
    union all
    select 'customer_invoice', customer_invoice_line_id, invoice_number, legal_entity, invoice_date, null, null,
        contract_line_id, null, invoice_id, 'sales_tax_payable', 'credit', tax_amount_accounting, 3
    from invoices where tax_amount_accounting <> 0
    union all
    select 'customer_invoice', customer_invoice_line_id, invoice_number, legal_entity, invoice_date, null, null,
        contract_line_id, null, invoice_id, 'accrued_revenue', 'debit', accrual_to_reverse_accounting, 4
    from invoices where accrues_revenue and accrual_to_reverse_accounting <> 0
    union all
    select 'customer_invoice', customer_invoice_line_id, invoice_number, legal_entity, invoice_date, null, null,
        contract_line_id, null, invoice_id, 'wip_sales_value', 'credit', accrual_to_reverse_accounting, 5
    from invoices where accrues_revenue and accrual_to_reverse_accounting <> 0
    -- revenue recognition of fixed-price lines (waits for its exchange rate)
    union all
    select 'revenue_recognition', revenue_recognition_id, 'RR-' || legal_entity || '-' || replace(period, '-', '')
        || '-' || substr(contract_line_id, 1, 8), legal_entity, period_end, project_id, null, contract_line_id, null,
        null, 'wip_sales_value', 'debit', {{ money('cast(period_revenue as decimal(38, 2)) * exchange_rate') }}, 1
    from recognition where exchange_rate is not null
    union all
    select 'revenue_recognition', revenue_recognition_id, 'RR-' || legal_entity || '-' || replace(period, '-', '')
        || '-' || substr(contract_line_id, 1, 8), legal_entity, period_end, project_id, null, contract_line_id, null,
        null, 'accrued_revenue', 'credit', {{ money('cast(period_revenue as decimal(38, 2)) * exchange_rate') }}, 2
    from recognition where exchange_rate is not null
)

select
    source_type,
    source_id,
    voucher,
    legal_entity,
    accounting_date,
    project_id,
    work_order_id,
    contract_line_id,
    actual_id,
    invoice_id,
    posting_type,
    -- a negative amount swaps the sides
    case when (side = 'debit') = (amount >= 0) then 'debit' else 'credit' end as side,
    cast(abs(amount) as decimal(18, 2)) as amount,
    leg_order
from legs
where amount <> 0
