-- I1 conservation (SPEC §4), per table and file: every delivered row is landed, a duplicate of a row already
-- landed, or unparseable; and every landed row is accepted (current), superseded by a newer version, or rejected.
-- Returns the files where the counts do not add up.
with delivered as (
    select
        table_name,
        file_name,
        sum(rows_delivered) as rows_delivered,
        sum(rows_landed) as rows_landed,
        sum(rows_duplicate) as rows_duplicate,
        sum(rows_unparseable) as rows_unparseable
    from {{ ref('stg_landing__landed_files') }}
    group by table_name, file_name
),

outcomes as (
    -- the view the reports read, not the base tables again: a row lost in a staged model or in its union fails alike
    select
        table_name,
        file_name,
        count(*) as rows_in_staging,
        count(case when reject_reason is null and is_current then 1 end) as rows_accepted,
        count(case when reject_reason is null and not is_current then 1 end) as rows_superseded,
        count(case when reject_reason is not null then 1 end) as rows_rejected
    from {{ ref('int_delivered_row_outcomes') }}
    group by table_name, file_name
    union all
    select table_name, file_name, 0, 0, 0, count(*)
    from {{ ref('stg_landing__unparseable_rows') }}
    group by table_name, file_name
),

per_file as (
    select
        table_name,
        file_name,
        sum(rows_in_staging) as rows_in_staging,
        sum(rows_accepted) as rows_accepted,
        sum(rows_superseded) as rows_superseded,
        sum(rows_rejected) as rows_rejected
    from outcomes
    group by table_name, file_name
)

select
    coalesce(d.table_name, p.table_name) as table_name,
    coalesce(d.file_name, p.file_name) as file_name,
    d.rows_delivered,
    d.rows_landed,
    d.rows_duplicate,
    d.rows_unparseable,
    p.rows_in_staging,
    p.rows_accepted,
    p.rows_superseded,
    p.rows_rejected
from delivered as d
full outer join per_file as p
    on d.table_name = p.table_name and d.file_name = p.file_name
where coalesce(d.rows_landed, -1) <> coalesce(p.rows_in_staging, 0)
    or coalesce(d.rows_delivered, -1)
        <> coalesce(d.rows_duplicate, 0) + coalesce(p.rows_accepted, 0)
        + coalesce(p.rows_superseded, 0) + coalesce(p.rows_rejected, 0)
