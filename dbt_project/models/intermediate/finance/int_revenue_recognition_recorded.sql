-- R27 append-only ledger of revenue recognition for fixed-price contract lines, monthly at month end up to
-- as_of_date: percent complete = cumulative cost actuals of the line's project (net of reversals) / total
-- estimated cost of its estimate lines (R10), capped at 100 %; cumulative revenue = contracted amount × percent
-- complete; the period's entry is the difference to what was recognized before. A month, once recognized, is
-- never recomputed (I9); it starts with the month of the project's first cost actual.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}

with lines as (
    select
        lines.contract_line_id,
        lines.contract_id,
        lines.project_id,
        lines.contracted_amount,
        contracts.currency_code,
        contracts.company_code as legal_entity,
        companies.accounting_currency_code
    from {{ ref('int_contract_lines_current') }} as lines
    inner join {{ ref('int_posting_profiles_resolved') }} as profiles
        on lines.contract_line_id = profiles.contract_line_id
        and profiles.recognizes_percent_complete
    left join {{ ref('int_contracts_current') }} as contracts
        on lines.contract_id = contracts.contract_id
    left join {{ ref('stg_finance__companies') }} as companies
        on contracts.company_code = companies.company_code
    where {{ finance_enabled() }} and lines.contracted_amount is not null
),

costs as (
    select project_id, accounting_date, amount
    from {{ ref('int_project_actuals_recorded') }}
    where transaction_type = 'cost'
),

estimates as (
    select project_id, sum(amount) as estimated_cost
    from {{ ref('int_estimate_lines') }}
    where transaction_type = 'cost'
    group by project_id
),

months as (
    select
        lines.*,
        last_day(cast(month_starts.day as date)) as period_end
    from lines
    inner join (select project_id, min(accounting_date) as first_cost_date from costs group by project_id) as first_costs
        on lines.project_id = first_costs.project_id
    cross join lateral {{ date_series(
        "date_trunc('month', first_costs.first_cost_date)", as_of_date_sql(), "interval 1 month", alias='month_starts') }}
    where last_day(cast(month_starts.day as date)) <= {{ as_of_date_sql() }}
),

{% if is_incremental() %}
recognized_before as (
    select contract_line_id, max(period_end) as last_period_end, max_by(cumulative_revenue, period_end) as cumulative
    from {{ this }}
    group by contract_line_id
),
{% else %}
recognized_before as (
    select cast(null as varchar) as contract_line_id, cast(null as date) as last_period_end,
        cast(0 as decimal(18, 2)) as cumulative
    where false
),
{% endif %}

measured as (
    select
        months.*,
        (select sum(costs.amount) from costs
         where costs.project_id = months.project_id and costs.accounting_date <= months.period_end)
            as cumulative_cost,
        estimates.estimated_cost
    from months
    left join estimates
        on months.project_id = estimates.project_id
    left join recognized_before
        on months.contract_line_id = recognized_before.contract_line_id
    where recognized_before.last_period_end is null or months.period_end > recognized_before.last_period_end
),

-- R5/R27 exact: cumulative revenue = round(contracted × cumulative cost / estimated cost), cost capped at the
-- estimate, in integers (10,000,000.00 one third complete = 3,333,333.33); percent complete is shown, not used
completed as (
    select
        *,
        least(greatest(coalesce(cumulative_cost, 0), 0), estimated_cost) as capped_cost
    from measured
),

cumulated as (
    select
        completed.*,
        case
            when coalesce(estimated_cost, 0) <= 0 then cast(0 as decimal(9, 6))
            else cast({{ divide_round('capped_cost', 'estimated_cost', 6) }} as decimal(9, 6))
        end as percent_complete,
        case
            when coalesce(estimated_cost, 0) <= 0 then cast(0 as decimal(18, 2))
            else cast({{ divide_round('cast(contracted_amount as decimal(38, 2)) * capped_cost', 'estimated_cost', 2) }} as decimal(18, 2))
        end as cumulative_revenue
    from completed
),

sequenced as (
    select
        cumulated.*,
        coalesce(lag(cumulated.cumulative_revenue) over (
            partition by cumulated.contract_line_id order by period_end
        ), recognized_before.cumulative, 0) as previous_cumulative_revenue
    from cumulated
    left join recognized_before
        on cumulated.contract_line_id = recognized_before.contract_line_id
)

select
    {{ hash_id(['contract_line_id', 'period_end']) }} as revenue_recognition_id,
    contract_line_id,
    contract_id,
    project_id,
    legal_entity,
    period_end,
    {{ period_key('period_end') }} as period,
    cast(cumulative_cost as decimal(18, 2)) as cumulative_cost,
    cast(estimated_cost as decimal(18, 2)) as estimated_cost,
    percent_complete,
    cast(contracted_amount as decimal(18, 2)) as contracted_amount,
    cumulative_revenue,
    cast(cumulative_revenue - previous_cumulative_revenue as decimal(18, 2)) as period_revenue,
    currency_code,
    accounting_currency_code
from sequenced
