-- Every delivered pricelevel row, typed, with its R4 outcome. A setup snapshot: the newest landing's row is current.
with row_checked as (
    select * from {{ ref('base_field_service__price_lists_typed') }}
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
