-- R27: one row per fixed-price contract line × month: percent complete, cumulative and period revenue.
select
    revenue_recognition_id,
    contract_line_id,
    contract_id,
    project_id,
    legal_entity,
    period,
    period_end,
    cumulative_cost,
    estimated_cost,
    percent_complete,
    contracted_amount,
    cumulative_revenue,
    period_revenue,
    currency_code
from {{ ref('int_revenue_recognition_recorded') }}
