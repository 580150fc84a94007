-- R26 append-only ledger of posted customer invoices, per invoice line: every confirmed proforma becomes a posted
-- customer invoice (same id and number, dated on its run date) with sales tax = round(net × the customer's tax
-- group rate) per invoice line, converted to the accounting currency at the rate of the invoice date. It posts
-- once all the unbilled sales on it went through the integration journal (as Finance requires) and a rate exists.
-- For a time-and-material profile that accrues revenue it also carries the accrual to reverse (R25).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}

with details as (
    select details.*
    from {{ ref('int_invoice_line_details_recorded') }} as details
    inner join {{ ref('int_invoice_confirmations') }} as confirmations
        on details.invoice_id = confirmations.invoice_id
    where confirmations.invoice_status = 'confirmed' and {{ finance_enabled() }}
    {% if is_incremental() %}
        and details.invoice_id not in (select invoice_id from {{ this }})
    {% endif %}
),

integration as (
    select actual_id, amount_accounting, accrues_revenue
    from {{ ref('int_integration_journal_lines_recorded') }}
),

not_journalized as (
    select distinct details.invoice_id
    from details
    left join integration
        on details.actual_id = integration.actual_id
    where details.actual_id is not null and integration.actual_id is null
),

lines as (
    select
        details.invoice_id,
        details.invoice_line_id,
        details.invoice_number,
        details.contract_id,
        details.contract_line_id,
        details.customer_id,
        details.legal_entity,
        details.run_date as invoice_date,
        details.currency_code,
        sum(details.amount) as net_amount,
        sum(case when integration.accrues_revenue then integration.amount_accounting else 0 end)
            as accrual_to_reverse_accounting
    from details
    left join integration
        on details.actual_id = integration.actual_id
    where details.invoice_id not in (select invoice_id from not_journalized)
    group by all
),

priced as (
    select
        lines.*,
        companies.accounting_currency_code,
        coalesce(taxes.tax_rate_percent, 0) as tax_rate_percent,
        profiles.posting_profile_id,
        profiles.billing_method,
        coalesce(profiles.accrues_revenue, false) as accrues_revenue,
        case
            when lines.currency_code = companies.accounting_currency_code then cast(1 as decimal(18, 8))
            else rates.exchange_rate
        end as exchange_rate
    from lines
    left join {{ ref('stg_finance__companies') }} as companies
        on lines.legal_entity = companies.company_code
    left join {{ ref('stg_field_service__accounts') }} as customers
        on lines.customer_id = customers.account_id
    left join {{ ref('stg_finance__tax_groups') }} as taxes
        on customers.tax_group_id = taxes.tax_group_id
    left join {{ ref('int_posting_profiles_resolved') }} as profiles
        on lines.contract_line_id = profiles.contract_line_id
    left join {{ ref('int_exchange_rates_dated') }} as rates
        on lines.currency_code = rates.from_currency_code
        and companies.accounting_currency_code = rates.to_currency_code
        and lines.invoice_date >= rates.valid_from
        and (rates.valid_to is null or lines.invoice_date <= rates.valid_to)
),

-- an invoice posts whole: every line must have its rate
ready as (
    select * from priced
    where invoice_id not in (select invoice_id from priced where exchange_rate is null)
),

taxed as (
    select
        *,
        cast(net_amount as decimal(18, 2)) as net,
        {{ money('net_amount * tax_rate_percent * 0.01') }} as tax
    from ready
)

select
    invoice_line_id as customer_invoice_line_id,
    invoice_id,
    invoice_number,
    legal_entity,
    customer_id,
    contract_id,
    contract_line_id,
    invoice_date,
    {{ period_key('invoice_date') }} as period,
    currency_code,
    net as net_amount,
    tax_rate_percent,
    tax as tax_amount,
    cast(net + tax as decimal(18, 2)) as total_amount,
    exchange_rate,
    accounting_currency_code,
    {{ money('cast(net as decimal(38, 2)) * exchange_rate') }} as net_amount_accounting,
    {{ money('cast(tax as decimal(38, 2)) * exchange_rate') }} as tax_amount_accounting,
    posting_profile_id,
    billing_method,
    accrues_revenue,
    cast(accrual_to_reverse_accounting as decimal(18, 2)) as accrual_to_reverse_accounting
from taxed
