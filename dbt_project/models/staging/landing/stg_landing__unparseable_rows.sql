-- R4 unparseable_row: CSV records landing could not split into the header's columns, with their original text.
with source as (
    select * from {{ source('landing', '_unparseable_rows') }}
),

renamed as (
    select
        -- ids
        load_id,
        record_id,
        -- strings
        table_name,
        file_name,
        raw_line,
        error as parse_error,
        -- numerics
        row_number
    from source
)

select * from renamed
