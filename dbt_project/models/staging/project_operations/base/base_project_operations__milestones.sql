-- Every delivered row version of msdyn_contractlinescheduleofvalue (fixed-price billing milestones), typed, with
-- its R4 outcome.
with source as (
    select * from {{ source('project_operations', 'msdyn_contractlinescheduleofvalue') }}
),

renamed as (
    select
        source.*,
        -- ids
        msdyn_contractlinescheduleofvalueid as milestone_id,
        msdyn_contractlineid as contract_line_id,
        -- strings
        msdyn_name as milestone_name,
        {{ decode('msdyn_invoicestatus', {192350000: 'not_ready', 192350001: 'ready'}) }} as invoice_status,
        -- numerics
        {{ to_integer('versionnumber') }} as version_number,
        {{ to_decimal('msdyn_amount', 2) }} as amount,
        -- booleans
        coalesce({{ to_boolean('isdelete') }}, false) as is_deleted,
        -- dates
        {{ to_date('msdyn_invoicedate') }} as invoice_date,
        -- timestamps
        {{ to_timestamp('modifiedon') }} as modified_at
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['msdyn_contractlinescheduleofvalueid', 'versionnumber', 'modifiedon']) }}
            {{- when_missing(['msdyn_contractlineid', 'msdyn_invoicedate', 'msdyn_amount', 'msdyn_invoicestatus'],
                unless='is_deleted') }}
            {{- when_out_of_range([('msdyn_amount', 'amount')]) }}
            {{- when_bad_type([
                ('versionnumber', 'version_number', 'a whole number'),
                ('modifiedon', 'modified_at', 'an ISO-8601 timestamp'),
                ('isdelete', to_boolean('isdelete'), 'true or false'),
                ('msdyn_invoicestatus', 'invoice_status', 'a milestone invoice status (192350000 not ready, 192350001 ready)'),
                ('msdyn_amount', 'amount', 'an amount with at most 2 decimals'),
                ('msdyn_invoicedate', 'invoice_date', 'an ISO-8601 date'),
            ]) }}
            {# the invoice date may lie ahead (a milestone planned for later); the change itself may not #}
            {{- when_future([('modifiedon', 'modified_at')]) }}
        end as problem
    from renamed
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['milestone_id', 'version_number']) }}
),

reference_checked as (
    select
        version_checked.*,
        coalesce(version_checked.problem, version_checked.version_problem, case
            {{- when_unknown('version_checked.contract_line_id', 'contract_lines.contract_line_id', 'contract line',
                unless='version_checked.is_deleted') }}
        end) as reject_reason
    from version_checked
    left join {{ ref('stg_project_operations__contract_lines') }} as contract_lines
        on version_checked.contract_line_id = contract_lines.contract_line_id
)

select
    milestone_id,
    contract_line_id,
    milestone_name,
    invoice_status,
    version_number,
    amount,
    is_deleted,
    invoice_date,
    modified_at,
    {{ staging_outcome(
        table_name='msdyn_contractlinescheduleofvalue',
        source_relation=source('project_operations', 'msdyn_contractlinescheduleofvalue'),
        record_id='milestone_id',
        partition_by=['milestone_id'],
        newest_first=['version_number desc'],
    ) }}
from reference_checked
