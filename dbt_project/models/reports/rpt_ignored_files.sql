-- R4 for whole files: one row per file of a delivery that landing did not read (an unknown table such as a typo'd
-- name, an unsupported format such as .xlsx or .zip), with its reason, so that nothing is dropped unseen. A file
-- whose content has landed since — renamed, or a copy of a landed file — leaves the report. Files and folders whose
-- name starts with `_` or `.` are skipped by design (README) and are not listed.
with ignored as (
    select * from {{ ref('stg_landing__ignored_files') }}
),

landed as (
    select distinct file_sha256 from {{ ref('stg_landing__landed_files') }}
),

newest as (
    {{ first_row_per('ignored', 'file_name, file_sha256', 'load_id desc') }}
)

select
    newest.file_name,
    newest.reason_code,
    newest.reason,
    newest.file_bytes,
    newest.file_sha256,
    newest.load_id
from newest
where newest.file_sha256 not in (select landed.file_sha256 from landed)
