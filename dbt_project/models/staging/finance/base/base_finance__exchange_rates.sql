-- Every delivered exchangerate row, typed, with its R4 outcome. rate = amount in to-currency for 1 unit of
-- from-currency, valid from its date until the next rate of the pair.
with row_checked as (
    select * from {{ ref('base_finance__exchange_rates_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['exchange_rate_key'], versioned=false) }}
)

select
    from_currency_code,
    to_currency_code,
    valid_from,
    exchange_rate,
    {{ staging_outcome(
        table_name='exchangerate',
        source_relation=source('finance', 'exchangerate'),
        record_id='exchange_rate_key',
        partition_by=['from_currency_code', 'to_currency_code', 'valid_from'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
