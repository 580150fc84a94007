-- R13: the billable hours of every used service revision. Its duration to bill is rounded per the field-service
-- item of its price list (the row for the service before the blank-product row): up / down / nearest to a
-- multiple of roundingto; the minimum charge duration is free (billable = max(0, rounded − minimum)); with a
-- flat fee the sales quantity is 1 whatever the duration. No item: no rounding and no minimum charge.
{{ config(materialized='table') }}  -- computed once: the ledgers, estimates, rejections and tests read it

with services as (
    select
        revisions.revision_id,
        revisions.product_id,
        revisions.duration_to_bill_minutes,
        coalesce(sales.selected_price_list_id, requests.price_list_id) as price_list_id
    from {{ ref('int_line_revisions_recorded') }} as revisions
    inner join {{ ref('int_pricing_requests') }} as requests
        on revisions.revision_id = requests.request_id
    inner join {{ ref('int_sales_prices_resolved') }} as sales
        on revisions.revision_id = sales.request_id
    where revisions.is_usage and revisions.line_type = 'service'
),

matched as (
    select
        services.*,
        items.rounding_policy,
        items.rounding_to_minutes,
        items.minimum_charge_minutes,
        items.minimum_charge_amount,
        items.is_flat_fee,
        row_number() over (
            partition by services.revision_id order by case when items.product_id is null then 1 else 0 end
        ) as item_rank
    from services
    left join {{ ref('int_field_service_price_list_items_current') }} as items
        on services.price_list_id = items.price_list_id
        and (items.product_id = services.product_id or items.product_id is null)
),

rounded as (
    select
        *,
        cast(coalesce(case
            -- exact integer arithmetic (R5: no DOUBLE on a money path); nearest = floor((2d + r) / 2r) · r
            when rounding_policy = 'up'
                then {{ divide_ceil('duration_to_bill_minutes', 'rounding_to_minutes') }} * rounding_to_minutes
            when rounding_policy = 'down'
                then {{ divide_floor('duration_to_bill_minutes', 'rounding_to_minutes') }} * rounding_to_minutes
            when rounding_policy = 'nearest' then {{ divide_floor(
                '2 * duration_to_bill_minutes + rounding_to_minutes', '2 * rounding_to_minutes') }} * rounding_to_minutes
        end, duration_to_bill_minutes) as decimal(18, 4)) as rounded_minutes
    from matched
    where item_rank = 1
)

select
    revision_id,
    duration_to_bill_minutes,
    coalesce(rounding_policy, 'none') as rounding_policy,
    rounding_to_minutes,
    rounded_minutes,
    greatest(rounded_minutes - coalesce(minimum_charge_minutes, 0), 0) as billable_minutes,
    coalesce(is_flat_fee, false) as is_flat_fee,
    case
        when coalesce(is_flat_fee, false) then cast(1 as decimal(18, 4))
        else cast({{ divide_round('greatest(rounded_minutes - coalesce(minimum_charge_minutes, 0), 0)', '60', 4) }}
            as decimal(18, 4))
    end as sales_quantity,
    cast(coalesce(minimum_charge_amount, 0) as decimal(18, 2)) as minimum_charge_amount
from rounded
