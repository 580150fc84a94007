-- Files of a delivery that landing did not read — an unknown table or an unsupported format (R4: listed, not
-- silently dropped); one row per file name, reason and content, from the landing that first found it.
with source as (
    select * from {{ source('landing', '_ignored_files') }}
),

renamed as (
    select
        -- ids
        load_id,
        file_sha256,
        -- strings
        file_name,
        reason_code,
        reason,
        -- numerics
        file_bytes
    from source
)

select * from renamed
