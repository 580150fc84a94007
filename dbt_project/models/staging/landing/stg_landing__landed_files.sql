-- One row per landed file version (table, file name, content hash) with its row counts: the "delivered" of I1.
with source as (
    select * from {{ source('landing', '_landed_files') }}
),

renamed as (
    select
        -- ids
        load_id,
        file_sha256,
        -- strings
        table_name,
        file_name,
        -- numerics
        rows_delivered,
        rows_landed,
        rows_duplicate,
        rows_unparseable
    from source
)

select * from renamed
