-- R21: everything that may go on a proforma invoice, with what decides its run: unbilled-sales actuals (an
-- original, or — R18 — the reversal of an original that was billed, as a credit), chargeable and not NTE-failed
-- (R19); and every version of a fixed-price milestone (is_ready: ready and not deleted). known_at is when the
-- item became known (created_at of the actual, modifiedon of the milestone version). Each item carries its
-- contract's number and owning company, which its invoice's number and legal entity take (D25).
with actuals as (
    select * from {{ ref('int_project_actuals_recorded') }}
    where transaction_type = 'unbilled_sales' and billing_type = 'chargeable'
),

nte as (
    select actual_id, nte_status from {{ ref('int_unbilled_sales_nte_evaluated') }}
),

reversals as (
    select reverses_actual_id, created_at as reversed_at
    from actuals
    where reversal_reason in ('line_change', 'approval_withdrawn')
)

select
    'actual' as item_kind,
    actuals.actual_id as item_id,
    actuals.actual_id,
    cast(null as varchar) as milestone_id,
    actuals.reverses_actual_id,
    actuals.contract_id,
    actuals.contract_line_id,
    actuals.customer_id,
    actuals.legal_entity,
    actuals.transaction_date as usage_date,
    cast(null as date) as invoice_date,
    actuals.created_at as known_at,
    reversals.reversed_at,
    actuals.quantity,
    actuals.unit_price,
    actuals.amount,
    actuals.currency_code,
    contracts.contract_number,
    contracts.company_code as contract_company_code,
    actuals.reverses_actual_id is null and coalesce(nte.nte_status, '') = 'failed' as is_nte_failed,
    true as is_ready
from actuals
left join reversals
    on actuals.actual_id = reversals.reverses_actual_id
left join nte
    on actuals.actual_id = nte.actual_id
left join {{ ref('int_contracts_current') }} as contracts
    on actuals.contract_id = contracts.contract_id
union all
select
    'milestone',
    milestones.milestone_id || '@' || cast(milestones.version_number as varchar),
    null,
    milestones.milestone_id,
    null,
    lines.contract_id,
    milestones.contract_line_id,
    contracts.customer_id,
    contracts.company_code,
    null,
    milestones.invoice_date,
    milestones.modified_at,
    null,
    cast(1 as decimal(18, 4)),
    cast(milestones.amount as decimal(18, 4)),
    milestones.amount,
    contracts.currency_code,
    contracts.contract_number,
    contracts.company_code,
    false,
    milestones.invoice_status = 'ready' and not milestones.is_deleted
from {{ ref('int_milestone_versions') }} as milestones
inner join {{ ref('int_contract_lines_current') }} as lines
    on milestones.contract_line_id = lines.contract_line_id
inner join {{ ref('int_contracts_current') }} as contracts
    on lines.contract_id = contracts.contract_id
where lines.billing_method = 'fixed_price'
