-- The speed limit of billing: the logic of models/intermediate/billing and marts/billing (plus the project actuals
-- mart, which reads the billing ledger) on the tables of 01 and 02, default settings (auto-confirm), first run on
-- a fresh build (nothing published before, so every run up to as_of_date is open).
--
-- Same results as the dbt models, computed more directly: an item's run is the first calendar run on or after
-- its earliest possible date — greatest(known date + 1, usage date + 1) for originals, greatest(billed run + 1,
-- known date + 1) for credits — found with an ASOF join per contract line, instead of joining every item to every
-- run of its line and taking min(). (known_at < run date at midnight ⇔ run date ≥ known date + 1.)
-- Left out: the runs after as_of_date that only tell the backlog the next run (is_due false), invoice ledger
-- anchors for later runs (nothing is published yet), the rejected-confirmations report, the dbt contract
-- columns that are constants. Invoice and detail counts differ from dbt's by a few per cent mainly because
-- 02_engine.sql approximates NTE (an item it calls failed is never invoiced); Σ invoice totals agree closely.

-- SPEC §2 as_of_date default: the latest modifiedon delivered (int_delivery_as_of_date); kept for 04_finance.sql
create or replace table as_of as
select max(day) as as_of_date
from (
    select max(cast(modified_at as date)) as day from work_orders where is_valid
    union all
    select max(cast(modified_at as date)) from work_order_products where is_valid
    union all
    select max(cast(modified_at as date)) from work_order_services where is_valid
    union all
    select max(cast(modified_at as date)) from milestones where is_valid
) as latest;

-- R20: the runs of every contract line up to as_of_date (int_invoice_run_calendar)
create or replace temp table run_calendar as
with lines as (
    select
        contract_line_id, contract_id, billing_method, invoice_frequency,
        coalesce(billing_start_date, date '2000-01-01') as billing_start_date
    from contract_lines
),

frequency_runs as (
    select
        lines.contract_line_id,
        cast(unnest(generate_series(
            cast(case when day(lines.billing_start_date) = 1 then lines.billing_start_date
                else date_trunc('month', lines.billing_start_date) + interval 1 month end as timestamp),
            cast(as_of.as_of_date as timestamp), interval 1 month)) as date) as run_date
    from lines, as_of
    where lines.invoice_frequency = 'monthly'
    union all
    select
        lines.contract_line_id,
        cast(unnest(generate_series(cast(lines.billing_start_date as timestamp), cast(as_of.as_of_date as timestamp),
            case lines.invoice_frequency when 'weekly' then interval 7 day else interval 14 day end)) as date)
    from lines, as_of
    where lines.invoice_frequency in ('weekly', 'biweekly')
),

milestone_runs as (
    select distinct milestones.contract_line_id, milestones.invoice_date as run_date
    from milestones
    inner join lines
        on milestones.contract_line_id = lines.contract_line_id and lines.billing_method = 'fixed_price'
    cross join as_of
    where milestones.is_valid and milestones.invoice_date <= as_of.as_of_date
        and milestones.invoice_date >= lines.billing_start_date
),

runs as (
    select * from frequency_runs
    union
    select * from milestone_runs
)

select runs.contract_line_id, lines.contract_id, runs.run_date
from runs
inner join lines on runs.contract_line_id = lines.contract_line_id;

-- R21: invoiceable unbilled-sales actuals: chargeable, with their line-change reversal time and NTE status
-- (int_invoiceable_items)
create or replace temp table items as
select
    actuals.actual_id, actuals.reverses_actual_id, actuals.contract_id, actuals.contract_line_id,
    actuals.customer_id, actuals.legal_entity, actuals.transaction_date as usage_date,
    actuals.created_at as known_at, reversals.created_at as reversed_at, actuals.quantity, actuals.unit_price,
    actuals.amount, actuals.currency_code,
    actuals.reverses_actual_id is null and coalesce(nte.nte_status, '') = 'failed' as is_nte_failed
from actuals
left join actuals as reversals
    on actuals.actual_id = reversals.reverses_actual_id and reversals.reversal_reason = 'line_change'
left join nte_statuses as nte on actuals.actual_id = nte.actual_id
where actuals.transaction_type = 'unbilled_sales' and actuals.billing_type = 'chargeable';

-- R21: originals go to the first run after they were known whose cut-off covers their usage date, unless reversed
-- before it; R18: the reversal of a billed original is a credit on the first run after (int_invoice_line_details_*)
create or replace temp table assigned as
with originals as materialized (
    select items.*, runs.run_date
    from (
        select *, greatest(cast(known_at as date), usage_date) + 1 as earliest_run
        from items
        where reverses_actual_id is null and not is_nte_failed
    ) as items
    asof join run_calendar as runs
        on items.contract_line_id = runs.contract_line_id and items.earliest_run <= runs.run_date
    where items.reversed_at is null or items.reversed_at >= cast(runs.run_date as timestamp)
),

credits as (
    select items.*, runs.run_date
    from (
        select items.*, greatest(billed.run_date, cast(items.known_at as date)) + 1 as earliest_run
        from items
        inner join originals as billed on items.reverses_actual_id = billed.actual_id
    ) as items
    asof join run_calendar as runs
        on items.contract_line_id = runs.contract_line_id and items.earliest_run <= runs.run_date
),

milestone_versions as (
    select
        milestones.milestone_id, milestones.milestone_id || '@' || cast(milestones.version_number as varchar)
            as item_id,
        lines.contract_id, milestones.contract_line_id, contracts.customer_id, contracts.company_code as legal_entity,
        milestones.invoice_date, milestones.modified_at as known_at, milestones.amount,
        contracts.currency_code, milestones.invoice_status = 'ready' and not milestones.is_deleted as is_ready
    from milestones
    inner join contract_lines as lines on milestones.contract_line_id = lines.contract_line_id
    inner join contracts on lines.contract_id = contracts.contract_id
    where milestones.is_valid and lines.billing_method = 'fixed_price'
),

milestone_candidates as (
    select
        milestone_versions.*,
        runs.run_date,
        row_number() over (
            partition by milestone_versions.milestone_id, runs.run_date
            order by milestone_versions.known_at desc, milestone_versions.item_id desc
        ) as version_rank
    from milestone_versions
    inner join run_calendar as runs
        on milestone_versions.contract_line_id = runs.contract_line_id
        and milestone_versions.known_at < cast(runs.run_date as timestamp)
),

milestones_billed as (
    select *
    from milestone_candidates
    where version_rank = 1 and is_ready and invoice_date <= run_date
    qualify row_number() over (partition by milestone_id order by run_date) = 1
)

select 'actual' as item_kind, actual_id as item_id, actual_id, cast(null as varchar) as milestone_id,
    reverses_actual_id, contract_id, contract_line_id, customer_id, legal_entity, quantity, unit_price, amount,
    currency_code, run_date
from originals
union all
select 'actual', actual_id, actual_id, null, reverses_actual_id, contract_id, contract_line_id, customer_id,
    legal_entity, quantity, unit_price, amount, currency_code, run_date
from credits
union all
select 'milestone', milestone_id, null, milestone_id, null, contract_id, contract_line_id, customer_id,
    legal_entity, cast(1 as decimal(18, 4)), cast(amount as decimal(18, 4)), amount, currency_code, run_date
from milestones_billed;

-- one row per invoice line detail (int_invoice_line_details_recorded, fct_invoice_line_details)
create or replace table invoice_line_details as
select
    md5(concat_ws('|', invoice_id, item_kind, item_id)) as invoice_line_detail_id,
    *
from (
    select
        md5(concat_ws('|', assigned.contract_id, assigned.customer_id, run_date)) as invoice_id,
        md5(concat_ws('|', assigned.contract_id, assigned.customer_id, run_date, assigned.contract_line_id))
            as invoice_line_id,
        coalesce(contracts.contract_number, assigned.contract_id) || '-' || strftime(run_date, '%Y%m%d')
            as invoice_number,
        assigned.contract_id, assigned.customer_id, assigned.contract_line_id,
        coalesce(contracts.company_code, assigned.legal_entity) as legal_entity,
        run_date, cast(run_date - interval 1 day as date) as cutoff_date,
        item_kind, item_id, actual_id, milestone_id, reverses_actual_id,
        case when item_kind = 'milestone' then 'milestone' else 'material' end as transaction_class,
        cast(assigned.quantity as decimal(18, 4)) as quantity,
        cast(assigned.unit_price as decimal(18, 4)) as unit_price,
        cast(assigned.amount as decimal(18, 2)) as amount,
        assigned.currency_code
    from assigned
    left join contracts on assigned.contract_id = contracts.contract_id
) as details;

-- R20–R22: one proforma per contract, customer and run; confirmed on its run date (fct_proforma_invoices)
create or replace table proforma_invoices as
select
    invoice_id, invoice_number, contract_id, customer_id, legal_entity, run_date, cutoff_date,
    'confirmed' as status, cast(run_date as timestamp) as confirmed_at, currency_code,
    cast(sum(amount) as decimal(18, 2)) as total_amount, count(distinct invoice_line_id) as line_count,
    count(*) as detail_count
from invoice_line_details
group by all;

-- one row per invoice line (contract line on an invoice) with what was invoiced before (fct_proforma_invoice_lines)
create or replace table proforma_invoice_lines as
select
    *,
    cast(coalesce(sum(line_amount) over (
        partition by contract_line_id order by run_date rows between unbounded preceding and 1 preceding
    ), 0) as decimal(18, 2)) as invoiced_till_date
from (
    select invoice_line_id, invoice_id, contract_id, contract_line_id, run_date, currency_code,
        cast(sum(amount) as decimal(18, 2)) as line_amount, count(*) as detail_count
    from invoice_line_details
    group by all
) as lines;

-- R22: confirming creates, per billed actual, an unbilled-sales reversal (skip sync) and a billed-sales actual;
-- per milestone a billed-sales actual (int_billing_actuals_recorded)
create or replace table billing_actuals as
with billed as (
    select details.*, actuals.journal_line_id, actuals.mul_id, actuals.line_id, actuals.revision,
        actuals.work_order_id, actuals.project_id, actuals.billing_method
    from invoice_line_details as details
    left join actuals on details.actual_id = actuals.actual_id
)

select
    md5(concat_ws('|', invoice_line_detail_id, 'confirmation_reversal')) as actual_id, invoice_line_detail_id,
    invoice_id, journal_line_id, mul_id, line_id, revision, work_order_id, project_id, contract_id,
    contract_line_id, customer_id, legal_entity, 'unbilled_sales' as transaction_type, transaction_class,
    'chargeable' as billing_type, billing_method, actual_id as reverses_actual_id,
    'invoice_confirmation' as reversal_reason, -quantity as quantity, unit_price, -amount as amount, currency_code,
    run_date as transaction_date, run_date as accounting_date, cast(run_date as timestamp) as created_at
from billed
where item_kind = 'actual'
union all
select
    md5(concat_ws('|', invoice_line_detail_id, 'billed_sales')), invoice_line_detail_id, invoice_id,
    journal_line_id, mul_id, line_id, revision, work_order_id, project_id, contract_id, contract_line_id,
    customer_id, legal_entity, 'billed_sales', transaction_class, 'chargeable',
    coalesce(billing_method, 'fixed_price'), null, null, quantity, unit_price, amount, currency_code, run_date,
    run_date, cast(run_date as timestamp)
from billed;

-- R17–R19, R22: the project actuals mart — both ledgers with their statuses (fct_project_actuals)
create or replace table project_actuals as
with all_actuals as (
    select actual_id, journal_line_id, mul_id, line_id, work_order_id, project_id, contract_id, contract_line_id,
        customer_id, legal_entity, transaction_type, 'material' as transaction_class, billing_type,
        reverses_actual_id, reversal_reason, quantity, unit_price, amount, currency_code, transaction_date,
        accounting_date, created_at, cast(null as varchar) as invoice_id
    from actuals
    union all
    select actual_id, journal_line_id, mul_id, line_id, work_order_id, project_id, contract_id, contract_line_id,
        customer_id, legal_entity, transaction_type, transaction_class, billing_type, reverses_actual_id,
        reversal_reason, quantity, unit_price, amount, currency_code, transaction_date, accounting_date,
        created_at, invoice_id
    from billing_actuals
),

line_change_reversed as (
    select distinct reverses_actual_id as actual_id from all_actuals where reversal_reason = 'line_change'
),

on_invoices as (
    select actual_id, invoice_id from invoice_line_details where actual_id is not null
)

select
    all_actuals.* exclude (invoice_id),
    case
        when all_actuals.transaction_type = 'cost' then null
        when all_actuals.transaction_type = 'billed_sales' or all_actuals.reversal_reason = 'invoice_confirmation'
            or on_invoices.actual_id is not null then 'customer_invoice_posted'
        when all_actuals.reversal_reason = 'line_change' and reversed_on_invoice.actual_id is not null
            then 'unbilled_sales_created'
        when all_actuals.reversal_reason = 'line_change' or line_change_reversed.actual_id is not null
            then 'canceled'
        else 'unbilled_sales_created'
    end as billing_status,
    case
        when all_actuals.reversal_reason = 'line_change' then 'unadjustable'
        when line_change_reversed.actual_id is not null then 'adjusted'
    end as adjustment_status,
    case
        when all_actuals.transaction_type <> 'unbilled_sales' or all_actuals.reversal_reason = 'invoice_confirmation'
            then 'not_applicable'
        else coalesce(nte.nte_status, 'not_applicable')
    end as nte_status,
    coalesce(all_actuals.invoice_id, on_invoices.invoice_id) as invoice_id
from all_actuals
left join line_change_reversed on all_actuals.actual_id = line_change_reversed.actual_id
left join on_invoices on all_actuals.actual_id = on_invoices.actual_id
left join on_invoices as reversed_on_invoice on all_actuals.reverses_actual_id = reversed_on_invoice.actual_id
left join nte_statuses as nte on all_actuals.actual_id = nte.actual_id;
