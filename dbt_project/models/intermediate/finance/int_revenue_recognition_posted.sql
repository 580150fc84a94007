-- R27 posting document "revenue recognition" of a fixed-price contract line, monthly at month end (one model per
-- posting document; the GL is their union, int_gl_postings): the period's revenue at the rate of its month end
-- (D29; without that rate the entry waits) books
--   Dr wip_sales_value / Cr accrued_revenue
-- with its contract line and project only (a contract-line event, no work order line). A negative period (the
-- estimate grew) books the same legs with the sides swapped (macro booked_side).
with recognition as (
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

entries as (
    select
        'revenue_recognition' as source_type,
        revenue_recognition_id as source_id,
        'RR-' || legal_entity || '-' || replace(period, '-', '') || '-' || substr(contract_line_id, 1, 8) as voucher,
        legal_entity,
        period_end as accounting_date,
        period_end as original_accounting_date,
        project_id,
        contract_line_id,
        {{ money('cast(period_revenue as decimal(38, 2)) * exchange_rate') }} as amount_accounting
    from recognition
    where exchange_rate is not null
),

debit_wip_sales_value as (
    select
        entries.*, 'wip_sales_value' as posting_type, 'debit' as side, amount_accounting as amount, 1 as leg_order
    from entries
),

credit_accrued_revenue as (
    select
        entries.*, 'accrued_revenue' as posting_type, 'credit' as side, amount_accounting as amount, 2 as leg_order
    from entries
),

legs as (
    select * from debit_wip_sales_value
    union all
    select * from credit_accrued_revenue
)

select
    source_type,
    source_id,
    voucher,
    legal_entity,
    accounting_date,
    original_accounting_date,
    project_id,
    contract_line_id,
    posting_type,
    {{ booked_side('side', 'amount') }} as side,
    cast(abs(amount) as decimal(18, 2)) as amount,
    leg_order
from legs
where amount <> 0
