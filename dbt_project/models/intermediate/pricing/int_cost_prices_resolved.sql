-- R14 (cost side): the unit cost of every pricing request, with its provenance. In order: the manual cost on
-- the line; else, when costs are calculated in Field Service, the product's current cost; else the cost price
-- list of the project's contracting unit effective on the pricing date, in the unit's cost currency, the most
-- recently created first (its item for product + unit, method 1 amount); no match → 0.
-- depends_on: {{ ref('int_project_price_lists_current') }}
-- depends_on: {{ ref('stg_field_service__price_lists') }}
-- depends_on: {{ ref('int_price_list_items_current') }}
{{ config(materialized='table') }}  -- computed once: the ledgers, estimates, rejections and tests read it

with requests as (
    select * from {{ ref('int_pricing_requests') }}
),

{% if not setting('calculate_cost_in_field_service') %}
unit_lists as (
    select
        requests.request_id,
        price_lists.price_list_id,
        row_number() over (
            partition by requests.request_id order by price_lists.created_at desc nulls last, price_lists.price_list_id
        ) as list_rank
    from requests
    inner join {{ ref('int_project_price_lists_current') }} as attached
        on requests.contracting_unit_id = attached.organizational_unit_id
    inner join {{ ref('stg_field_service__price_lists') }} as price_lists
        on attached.price_list_id = price_lists.price_list_id
        and price_lists.price_list_context = 'cost'
        and price_lists.currency_code = requests.cost_currency_code
        and requests.pricing_date between coalesce(price_lists.valid_from, date '0001-01-01')
            and coalesce(price_lists.valid_to, date '9999-12-31')
),

list_items as (
    select
        unit_lists.request_id,
        items.price_amount,
        row_number() over (partition by unit_lists.request_id order by items.price_list_item_id) as item_rank
    from unit_lists
    inner join requests
        on unit_lists.request_id = requests.request_id
    inner join {{ ref('int_price_list_items_current') }} as items
        on unit_lists.price_list_id = items.price_list_id
        and requests.product_id = items.product_id
        and requests.unit_id = items.unit_id
        and items.pricing_method = 'currency_amount'
    where unit_lists.list_rank = 1
),
{% endif %}

costed as (
    select
        requests.request_id,
        {% if setting('calculate_cost_in_field_service') %}
        case
            when requests.manual_unit_cost is not null then 'manual'
            when requests.current_cost is not null then 'product_current_cost'
            else 'none'
        end as cost_source,
        cast(null as varchar) as cost_price_list_id,
        coalesce(requests.manual_unit_cost, requests.current_cost, 0) as unit_cost
        {% else %}
        case
            when requests.manual_unit_cost is not null then 'manual'
            when list_items.price_amount is not null then 'cost_price_list'
            else 'none'
        end as cost_source,
        case when requests.manual_unit_cost is null then unit_lists.price_list_id end as cost_price_list_id,
        coalesce(requests.manual_unit_cost, list_items.price_amount, 0) as unit_cost
        {% endif %}
    from requests
    {% if not setting('calculate_cost_in_field_service') %}
    left join unit_lists
        on requests.request_id = unit_lists.request_id
        and unit_lists.list_rank = 1
    left join list_items
        on requests.request_id = list_items.request_id
        and list_items.item_rank = 1
    {% endif %}
)

select
    request_id,
    cost_source,
    cost_price_list_id,
    cast(unit_cost as decimal(18, 4)) as unit_cost
from costed
