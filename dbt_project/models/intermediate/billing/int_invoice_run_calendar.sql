-- R20: the invoice runs of every contract line up to as_of_date — monthly on the 1st of each month, weekly and
-- biweekly every 7 / 14 days from the billing start date; a fixed-price line also runs on the invoice dates of
-- its milestones. Transaction cut-off = run date − 1 day. Runs after as_of_date (two months ahead, is_due false)
-- only tell the backlog when the next run is.
with lines as (
    select
        lines.contract_line_id,
        lines.contract_id,
        lines.billing_method,
        lines.invoice_frequency,
        coalesce(lines.billing_start_date, date '2000-01-01') as billing_start_date
    from {{ ref('int_contract_lines_current') }} as lines
),

bounds as (
    select cast({{ as_of_date_sql() }} + interval 62 day as date) as horizon_date
),

frequency_runs as (
    select lines.contract_line_id, cast(runs.day as date) as run_date
    from lines
    cross join bounds
    cross join lateral {{ date_series(
        "case when extract(day from lines.billing_start_date) = 1 then lines.billing_start_date
              else cast(date_trunc('month', lines.billing_start_date) + interval 1 month as date) end",
        'bounds.horizon_date', "interval 1 month", alias='runs') }}
    where lines.invoice_frequency = 'monthly'
    union all
    select lines.contract_line_id, cast(runs.day as date)
    from lines
    cross join bounds
    cross join lateral {{ date_series('lines.billing_start_date', 'bounds.horizon_date', "interval 7 day", alias='runs') }}
    where lines.invoice_frequency = 'weekly'
    union all
    select lines.contract_line_id, cast(runs.day as date)
    from lines
    cross join bounds
    cross join lateral {{ date_series('lines.billing_start_date', 'bounds.horizon_date', "interval 14 day", alias='runs') }}
    where lines.invoice_frequency = 'biweekly'
),

milestone_runs as (
    select distinct milestones.contract_line_id, milestones.invoice_date as run_date
    from {{ ref('int_milestone_versions') }} as milestones
    inner join lines
        on milestones.contract_line_id = lines.contract_line_id
        and lines.billing_method = 'fixed_price'
    cross join bounds
    where milestones.invoice_date <= bounds.horizon_date
        and milestones.invoice_date >= lines.billing_start_date
),

runs as (
    select * from frequency_runs
    union
    select * from milestone_runs
)

select
    runs.contract_line_id,
    lines.contract_id,
    runs.run_date,
    cast(runs.run_date - interval 1 day as date) as cutoff_date,
    runs.run_date <= {{ as_of_date_sql() }} as is_due
from runs
inner join lines
    on runs.contract_line_id = lines.contract_line_id
