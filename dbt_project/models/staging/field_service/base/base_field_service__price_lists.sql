-- Every delivered pricelevel row, typed, with its R4 outcome. A setup snapshot: the newest landing's row is current.
with source as (
    select * from {{ source('field_service', 'pricelevel') }}
),

renamed as (
    select
        source.*,
        -- ids
        pricelevelid as price_list_id,
        -- strings
        name as price_list_name,
        upper(trim(transactioncurrencyid)) as currency_code,
        {{ decode('msdyn_module', {192350000: 'cost', 192350001: 'purchase', 192350002: 'sales'}) }} as price_list_context,
        -- dates
        {{ to_date('begindate') }} as valid_from,
        {{ to_date('enddate') }} as valid_to,
        -- timestamps
        {{ to_timestamp('createdon') }} as created_at
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['pricelevelid', 'msdyn_module', 'transactioncurrencyid']) }}
            {{- when_bad_type([
                ('msdyn_module', 'price_list_context', 'a price list context (192350000 Cost, 192350001 Purchase, 192350002 Sales)'),
                ('begindate', 'valid_from', 'an ISO-8601 date'),
                ('enddate', 'valid_to', 'an ISO-8601 date'),
                ('createdon', 'created_at', 'an ISO-8601 timestamp'),
            ]) }}
            when valid_to < valid_from
                then 'bad_type: enddate ''' || enddate || ''' is before begindate ''' || begindate || ''''
        end as problem
    from renamed
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['price_list_id'], versioned=false) }}
)

select
    price_list_id,
    price_list_name,
    currency_code,
    price_list_context,
    valid_from,
    valid_to,
    created_at,
    {{ staging_outcome(
        table_name='pricelevel',
        source_relation=source('field_service', 'pricelevel'),
        record_id='price_list_id',
        partition_by=['price_list_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
