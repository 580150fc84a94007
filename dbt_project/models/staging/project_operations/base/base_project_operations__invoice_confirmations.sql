-- Every delivered row version of invoice (confirmations of the proformas fieldledger published, read when
-- auto_confirm_invoices is off, R22), typed, with its R4 outcome. The invoice reference is checked by billing.
with source as (
    select * from {{ source('project_operations', 'invoice') }}
),

renamed as (
    select
        source.*,
        -- ids
        invoiceid as invoice_id,
        -- strings
        {{ decode('msdyn_projectinvoicestatus', {
            192350000: 'draft', 192350001: 'in_review', 192350002: 'confirmed', 192350003: 'paid'}) }} as invoice_status,
        -- numerics
        {{ to_integer('versionnumber') }} as version_number,
        -- booleans
        coalesce({{ to_boolean('isdelete') }}, false) as is_deleted,
        -- timestamps
        {{ to_timestamp('modifiedon') }} as modified_at
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['invoiceid', 'versionnumber', 'modifiedon']) }}
            {{- when_missing(['msdyn_projectinvoicestatus'], unless='is_deleted') }}
            {{- when_bad_type([
                ('versionnumber', 'version_number', 'a whole number'),
                ('modifiedon', 'modified_at', 'an ISO-8601 timestamp'),
                ('isdelete', to_boolean('isdelete'), 'true or false'),
                ('msdyn_projectinvoicestatus', 'invoice_status', 'a proforma invoice status (192350000 … 192350003)'),
            ]) }}
            {{- when_future([('modifiedon', 'modified_at')]) }}
        end as problem
    from renamed
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['invoice_id', 'version_number']) }}
)

select
    invoice_id,
    invoice_status,
    version_number,
    is_deleted,
    modified_at,
    {{ staging_outcome(
        table_name='invoice',
        source_relation=source('project_operations', 'invoice'),
        record_id='invoice_id',
        partition_by=['invoice_id'],
        newest_first=['version_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
