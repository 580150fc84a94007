-- Every delivered exchangerate row, typed, with its R4 outcome. rate = amount in to-currency for 1 unit of
-- from-currency, valid from its date until the next rate of the pair.
with source as (
    select * from {{ source('finance', 'exchangerate') }}
),

renamed as (
    select
        source.*,
        upper(trim(fromcurrency)) as from_currency_code,
        upper(trim(tocurrency)) as to_currency_code,
        {{ to_date('validfrom') }} as valid_from,
        {{ to_decimal('rate', 8) }} as exchange_rate,
        concat_ws('|', upper(trim(fromcurrency)), upper(trim(tocurrency)), validfrom) as exchange_rate_key
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['fromcurrency', 'tocurrency', 'validfrom', 'rate']) }}
            {{- when_out_of_range([('rate', 'exchange_rate')]) }}
            {{- when_bad_type([
                ('validfrom', 'valid_from', 'an ISO-8601 date'),
                ('rate', 'exchange_rate', 'a number with at most 8 decimals'),
            ]) }}
        end as problem
    from renamed
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
