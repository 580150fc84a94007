-- R26, SPEC §3.1 append-only ledger: every posted customer invoice line split into its invoice line details (one
-- per billed actual or milestone), so that each GL leg of an invoice traces to one actual or milestone. Same id as
-- the invoice line detail. The net is the detail's amount; the line's sales tax and its amounts in accounting
-- currency (each rounded once per line, R26) are split over the details exactly to the cent by the largest
-- remainder rule (macro largest_remainder; DECISIONLOG D-T2): Σ details = the line, always. The accrual to reverse
-- (T&M accruing revenue) is the accounting amount the detail's actual was posted with (R25, exact).
-- Recorded for every line of int_customer_invoice_lines_recorded, also those posted before the details existed
-- (their GL legs stay at line grain, D-T1).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}

with lines as (
    select * from {{ ref('int_customer_invoice_lines_recorded') }}
    {% if is_incremental() %}
    where customer_invoice_line_id not in (select customer_invoice_line_id from {{ this }})
    {% endif %}
),

details as (
    select
        lines.*,
        details.invoice_line_detail_id,
        details.item_kind,
        details.actual_id,
        details.milestone_id,
        details.reverses_actual_id as credited_actual_id,
        details.amount as detail_amount,
        actuals.mul_id,
        actuals.work_order_line_id,
        actuals.work_order_id,
        actuals.project_id,
        -- as the line sums it (int_customer_invoice_lines_recorded): the profile the actual was journalized with
        case when integration.accrues_revenue then integration.amount_accounting else 0 end
            as detail_accrual_accounting
    from lines
    inner join {{ ref('int_invoice_line_details_recorded') }} as details
        on lines.customer_invoice_line_id = details.invoice_line_id
    left join {{ ref('int_project_actuals_recorded') }} as actuals
        on details.actual_id = actuals.actual_id
    left join {{ ref('int_integration_journal_lines_recorded') }} as integration
        on details.actual_id = integration.actual_id
),

-- tax: each detail's exact part in cents is net × tax percent
taxed as (
    select
        *,
        {{ largest_remainder('cast(detail_amount as decimal(38, 2)) * tax_rate_percent', 'tax_amount',
            'customer_invoice_line_id', 'invoice_line_detail_id') }} as detail_tax,
        {{ largest_remainder('cast(detail_amount as decimal(38, 2)) * exchange_rate * 100', 'net_amount_accounting',
            'customer_invoice_line_id', 'invoice_line_detail_id') }} as detail_net_accounting
    from details
),

converted as (
    select
        *,
        {{ largest_remainder('cast(detail_tax as decimal(38, 2)) * exchange_rate * 100', 'tax_amount_accounting',
            'customer_invoice_line_id', 'invoice_line_detail_id') }} as detail_tax_accounting
    from taxed
)

select
    invoice_line_detail_id as customer_invoice_line_detail_id,
    customer_invoice_line_id,
    invoice_id,
    invoice_number,
    legal_entity,
    customer_id,
    contract_id,
    contract_line_id,
    invoice_date,
    period,
    item_kind,
    actual_id,
    milestone_id,
    credited_actual_id,
    mul_id,
    work_order_line_id,
    work_order_id,
    project_id,
    currency_code,
    cast(detail_amount as decimal(18, 2)) as net_amount,
    tax_rate_percent,
    detail_tax as tax_amount,
    cast(detail_amount + detail_tax as decimal(18, 2)) as total_amount,
    exchange_rate,
    accounting_currency_code,
    detail_net_accounting as net_amount_accounting,
    detail_tax_accounting as tax_amount_accounting,
    posting_profile_id,
    billing_method,
    accrues_revenue,
    cast(detail_accrual_accounting as decimal(18, 2)) as accrual_to_reverse_accounting
from converted
