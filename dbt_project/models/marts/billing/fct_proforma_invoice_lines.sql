-- R21: one row per proforma invoice line — one per contract line on an invoice — with its amounts by billing
-- type (only chargeable adds to the total) and what the contract line had been invoiced before it.
with lines as (
    select
        invoice_line_id,
        invoice_id,
        contract_id,
        contract_line_id,
        run_date,
        currency_code,
        sum(amount) as line_amount,
        sum(case when billing_type = 'chargeable' then amount else 0 end) as chargeable_amount,
        sum(case when billing_type = 'non_chargeable' then amount else 0 end) as non_chargeable_amount,
        sum(case when billing_type = 'complimentary' then amount else 0 end) as complimentary_amount,
        count(*) as detail_count
    from {{ ref('int_invoice_line_details_recorded') }}
    group by invoice_line_id, invoice_id, contract_id, contract_line_id, run_date, currency_code
)

select
    lines.invoice_line_id,
    lines.invoice_id,
    lines.contract_id,
    lines.contract_line_id,
    contract_lines.billing_method,
    lines.run_date,
    lines.currency_code,
    cast(lines.chargeable_amount as decimal(18, 2)) as chargeable_amount,
    cast(lines.non_chargeable_amount as decimal(18, 2)) as non_chargeable_amount,
    cast(lines.complimentary_amount as decimal(18, 2)) as complimentary_amount,
    -- every detail on the line; the contract test line_amount = chargeable_amount proves only chargeable items bill
    cast(lines.line_amount as decimal(18, 2)) as line_amount,
    cast(coalesce(sum(lines.chargeable_amount) over (
        partition by lines.contract_line_id order by lines.run_date
        rows between unbounded preceding and 1 preceding
    ), 0) as decimal(18, 2)) as invoiced_till_date,
    lines.detail_count
from lines
left join {{ ref('int_contract_lines_current') }} as contract_lines
    on lines.contract_line_id = contract_lines.contract_line_id
