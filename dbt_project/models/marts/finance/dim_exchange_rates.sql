-- SPEC §3, R24: one row per exchange rate with its validity — from valid_from until the day before the pair's next
-- rate (open-ended for the latest): the rates Finance and the reports convert with (int_exchange_rates_dated). An
-- amount in currency `from` on date d is amount × exchange_rate in `to`, rounded to the cent; a currency converts to
-- itself at 1 (no row).
select
    from_currency_code,
    to_currency_code,
    valid_from,
    valid_to,
    cast(exchange_rate as decimal(18, 8)) as exchange_rate
from {{ ref('int_exchange_rates_dated') }}
