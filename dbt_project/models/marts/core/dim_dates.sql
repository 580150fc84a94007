-- One row per calendar day from the earliest date in the delivery to as_of_date (R6: the posting period is the
-- calendar month).
with bounds as (
    select
        least(
            (select min(cast(created_at as date)) from {{ ref('int_work_orders_current') }}),
            {{ as_of_date_sql() }}
        ) as first_date,
        {{ as_of_date_sql() }} as last_date
),

days as (
    select cast(day as date) as date_day
    from bounds, {{ date_range('bounds.first_date', 'bounds.last_date') }}
)

select
    date_day,
    cast(date_trunc('month', date_day) as date) as period_start,
    {{ period_key('date_day') }} as period,
    {{ date_part_number('year', 'date_day') }} as year,
    {{ date_part_number('month', 'date_day') }} as month,
    {{ iso_day_of_week('date_day') }} as iso_day_of_week,
    last_day(date_day) = date_day as is_month_end
from days
