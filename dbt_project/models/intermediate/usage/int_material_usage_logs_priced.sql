-- R11–R15: every usage revision priced and costed as it would be recorded now: its contract line and billing
-- type (R8, R9), sales price (R12, R13) and cost (R14), and the amounts
--   sales = round(quantity to bill × unit price × (1 − discount%)) + minimum charge amount
--   cost  = round(quantity × unit cost) + additional cost + commission costs.
-- hold_reason says why a revision cannot become a MUL yet (it is retried every run): ambiguous_contract_line (R8),
-- company_mismatch (R23, with Finance), ambiguous_price_list (R12).
{{ config(materialized='table') }}  -- computed once: the ledgers, estimates, rejections and tests read it

with revisions as (
    select * from {{ ref('int_line_revisions_recorded') }}
    where is_usage
),

priced as (
    select
        revisions.revision_id as mul_id,
        revisions.work_order_line_id,
        revisions.revision,
        revisions.line_type,
        revisions.work_order_id,
        revisions.project_id,
        projects.contract_id,
        projects.contract_line_id,
        projects.customer_id,
        projects.billing_method,
        coalesce(projects.billing_type, 'not_available') as billing_type,
        accounts.company_code as legal_entity,
        projects.contract_company_code,
        revisions.product_id,
        requests.unit_id,
        revisions.usage_date,
        revisions.effective_at,
        revisions.line_version_number,
        revisions.work_order_version_number,
        -- cost (R14)
        revisions.cost_quantity,
        costs.unit_cost,
        {{ money('cast(revisions.cost_quantity as decimal(38, 4)) * costs.unit_cost') }}
            + revisions.additional_cost + revisions.commission_costs as cost_amount,
        revisions.additional_cost,
        revisions.commission_costs,
        projects.cost_currency_code,
        costs.cost_source,
        costs.cost_price_list_id,
        -- sales (R12–R14)
        case
            when revisions.line_type = 'service' then services.sales_quantity
            else revisions.quantity_to_bill
        end as sales_quantity,
        sales.unit_price,
        revisions.discount_percent,
        coalesce(services.minimum_charge_amount, 0) as minimum_charge_amount,
        projects.contract_currency_code as sales_currency_code,
        sales.price_source,
        sales.price_list_id,
        services.rounded_minutes,
        services.billable_minutes,
        case
            when projects.material_line_count > 1 then 'ambiguous_contract_line'
            -- R23 (with Finance): the service account's company must be the contract's owning company
            when {{ finance_enabled() }} and projects.contract_id is not null
                and coalesce(accounts.company_code, '') <> coalesce(projects.contract_company_code, '')
                then 'company_mismatch'
            else sales.hold_reason
        end as hold_reason
    from revisions
    inner join {{ ref('int_pricing_requests') }} as requests
        on revisions.revision_id = requests.request_id
    inner join {{ ref('int_sales_prices_resolved') }} as sales
        on revisions.revision_id = sales.request_id
    inner join {{ ref('int_cost_prices_resolved') }} as costs
        on revisions.revision_id = costs.request_id
    left join {{ ref('int_service_billable_durations') }} as services
        on revisions.revision_id = services.revision_id
    left join {{ ref('int_projects_contract_lines') }} as projects
        on revisions.project_id = projects.project_id
    left join {{ ref('stg_field_service__accounts') }} as accounts
        on revisions.service_account_id = accounts.account_id
)

select
    *,
    {{ money('cast(sales_quantity as decimal(38, 4)) * unit_price * (1 - discount_percent * 0.01)') }} + minimum_charge_amount as sales_amount
from priced
