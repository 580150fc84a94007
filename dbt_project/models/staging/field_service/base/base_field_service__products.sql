-- Every delivered product row, typed, with its R4 outcome. A setup snapshot: the newest landing's row is current.
with row_checked as (
    select * from {{ ref('base_field_service__products_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['product_id'], versioned=false) }}
)

select
    product_id,
    default_unit_id,
    product_number,
    product_name,
    product_type,
    list_price,
    standard_cost,
    current_cost,
    {{ staging_outcome(
        table_name='product',
        source_relation=source('field_service', 'product'),
        record_id='product_id',
        partition_by=['product_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
