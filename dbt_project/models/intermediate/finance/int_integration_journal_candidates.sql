-- R24: every actual Finance receives — each cost and unbilled-sales actual of the usage ledger (originals and
-- line-change reversals); the negative unbilled-sales reversals of invoice confirmation are skip-sync and billed
-- sales go to the customer invoice (R26) — with its legal entity's accounting currency, the date it posts on (its
-- accounting date, or — SPEC §3.3 — the first open date when that period is closed) and the exchange rate valid on
-- that date (NULL: no rate, the line waits). Nothing without Finance.
with actuals as (
    select actuals.*, muls.line_type, muls.product_id
    from {{ ref('int_project_actuals_recorded') }} as actuals
    left join {{ ref('int_material_usage_logs_recorded') }} as muls
        on actuals.mul_id = muls.mul_id
    where {{ finance_enabled() }}
),

with_currency as (
    select
        actuals.*,
        companies.accounting_currency_code,
        profiles.posting_profile_id,
        coalesce(profiles.accrues_revenue, false) as accrues_revenue,
        categories.project_category
    from actuals
    left join {{ ref('stg_finance__companies') }} as companies
        on actuals.legal_entity = companies.company_code
    left join {{ ref('int_posting_profiles_resolved') }} as profiles
        on actuals.contract_line_id = profiles.contract_line_id
    left join (
        select
            *,
            row_number() over (partition by line_type order by case legal_entity when '*' then 2 else 1 end)
                as preference
        from {{ ref('stg_config_overrides__project_categories') }}
    ) as categories
        on categories.line_type in (actuals.line_type, '*')
        and categories.legal_entity in (actuals.legal_entity, '*')
        and categories.preference = 1
),

dated as (
    select
        with_currency.*,
        {{ posting_date('with_currency.accounting_date') }} as posting_date
    from with_currency
    left join {{ ref('int_closed_periods') }} as closed
        on with_currency.legal_entity = closed.legal_entity
)

select
    dated.*,
    case
        when dated.currency_code = dated.accounting_currency_code then cast(1 as decimal(18, 8))
        else rates.exchange_rate
    end as exchange_rate
from dated
left join {{ ref('int_exchange_rates_dated') }} as rates
    on dated.currency_code = rates.from_currency_code
    and dated.accounting_currency_code = rates.to_currency_code
    and dated.posting_date >= rates.valid_from
    and (rates.valid_to is null or dated.posting_date <= rates.valid_to)
