-- R12: the sales unit price of every pricing request, with its provenance. In order: the manual price on the
-- line; else the item for product + unit on the sales price list effective on the pricing date — the line's
-- (or work order's) list when prices are calculated in Field Service, else the contract's sales lists (its own
-- and those attached in msdyn_projectpricelist, in the contract currency; more than one effective is held back
-- as ambiguous_price_list) — priced by method 1 amount, 3 current cost + %, 5 standard cost + %; else the
-- product's list price.
-- depends_on: {{ ref('int_contracts_current') }}
-- depends_on: {{ ref('int_project_price_lists_current') }}
{{ config(materialized='table') }}  -- computed once: the ledgers, estimates, rejections and tests read it

with requests as (
    select * from {{ ref('int_pricing_requests') }}
),

price_lists as (
    select * from {{ ref('stg_field_service__price_lists') }}
    where price_list_context = 'sales'
),

{% if setting('calculate_price_in_field_service') %}
candidate_lists as (
    select requests.request_id, price_lists.price_list_id
    from requests
    inner join price_lists
        on requests.price_list_id = price_lists.price_list_id
        and requests.pricing_date between coalesce(price_lists.valid_from, date '0001-01-01')
            and coalesce(price_lists.valid_to, date '9999-12-31')
),
{% else %}
contract_lists as (
    select contract_id, price_list_id
    from {{ ref('int_contracts_current') }}
    where price_list_id is not null
    union
    select contract_id, price_list_id
    from {{ ref('int_project_price_lists_current') }}
    where contract_id is not null
),

candidate_lists as (
    select distinct requests.request_id, price_lists.price_list_id
    from requests
    inner join contract_lists
        on requests.contract_id = contract_lists.contract_id
    inner join price_lists
        on contract_lists.price_list_id = price_lists.price_list_id
        and price_lists.currency_code = requests.contract_currency_code
        and requests.pricing_date between coalesce(price_lists.valid_from, date '0001-01-01')
            and coalesce(price_lists.valid_to, date '9999-12-31')
),
{% endif %}

chosen_lists as (
    select request_id, count(*) as effective_lists, min(price_list_id) as price_list_id
    from candidate_lists
    group by request_id
),

list_items as (
    select
        chosen_lists.request_id,
        items.price_list_item_id,
        items.pricing_method,
        items.price_amount,
        items.markup_percent,
        row_number() over (partition by chosen_lists.request_id order by items.price_list_item_id) as item_rank
    from chosen_lists
    inner join requests
        on chosen_lists.request_id = requests.request_id
    inner join {{ ref('int_price_list_items_current') }} as items
        on chosen_lists.price_list_id = items.price_list_id
        and requests.product_id = items.product_id
        and requests.unit_id = items.unit_id
    where chosen_lists.effective_lists = 1
),

priced as (
    select
        requests.request_id,
        chosen_lists.price_list_id as selected_price_list_id,
        coalesce(chosen_lists.effective_lists, 0) as effective_lists,
        case
            when requests.manual_unit_price is not null then 'manual'
            when list_items.price_list_item_id is not null then 'price_list'
            else 'product_list_price'
        end as price_source,
        case
            when requests.manual_unit_price is not null then requests.manual_unit_price
            when list_items.pricing_method = 'currency_amount' then list_items.price_amount
            when list_items.pricing_method = 'markup_current_cost'
                then {{ quantity4('coalesce(requests.current_cost, 0) * (1 + coalesce(list_items.markup_percent, 0) * 0.01)') }}
            when list_items.pricing_method = 'markup_standard_cost'
                then {{ quantity4('coalesce(requests.standard_cost, 0) * (1 + coalesce(list_items.markup_percent, 0) * 0.01)') }}
            else coalesce(requests.list_price, 0)
        end as unit_price,
        list_items.pricing_method
    from requests
    left join chosen_lists
        on requests.request_id = chosen_lists.request_id
    left join list_items
        on requests.request_id = list_items.request_id
        and list_items.item_rank = 1
)

select
    request_id,
    price_source,
    case when price_source = 'price_list' then selected_price_list_id end as price_list_id,
    selected_price_list_id,
    pricing_method,
    cast(unit_price as decimal(18, 4)) as unit_price,
    case when effective_lists > 1 and price_source <> 'manual' then 'ambiguous_price_list' end as hold_reason
from priced
