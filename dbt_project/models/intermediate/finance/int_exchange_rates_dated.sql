-- R24: each exchange rate with its validity — from its validfrom until the day before the pair's next rate
-- (open-ended for the latest). A currency converts to itself at 1.
with rates as (
    select
        from_currency_code,
        to_currency_code,
        valid_from,
        exchange_rate,
        lead(valid_from) over (partition by from_currency_code, to_currency_code order by valid_from) as next_valid_from
    from {{ ref('stg_finance__exchange_rates') }}
)

select
    from_currency_code,
    to_currency_code,
    valid_from,
    cast(next_valid_from - interval 1 day as date) as valid_to,
    exchange_rate
from rates
