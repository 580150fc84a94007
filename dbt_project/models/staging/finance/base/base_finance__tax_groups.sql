-- Every delivered taxgroup row, typed, with its R4 outcome.
with source as (
    select * from {{ source('finance', 'taxgroup') }}
),

renamed as (
    select
        source.*,
        taxgroupid as tax_group_id,
        {{ to_decimal('rate_percent', 4) }} as tax_rate_percent
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['taxgroupid', 'rate_percent']) }}
            {{- when_out_of_range([('rate_percent', 'percent')]) }}
            {{- when_bad_type([('rate_percent', 'tax_rate_percent', 'a percentage with at most 4 decimals')]) }}
        end as problem
    from renamed
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['tax_group_id'], versioned=false) }}
)

select
    tax_group_id,
    tax_rate_percent,
    {{ staging_outcome(
        table_name='taxgroup',
        source_relation=source('finance', 'taxgroup'),
        record_id='tax_group_id',
        partition_by=['tax_group_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
