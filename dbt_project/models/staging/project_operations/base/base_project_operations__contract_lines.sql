-- Every delivered salesorderdetail (contract line) row, typed, with its R4 outcome. Invoice frequency may be
-- a word or the msdyn_period code; empty means monthly (SPEC §1.2).
with source as (
    select * from {{ source('project_operations', 'salesorderdetail') }}
),

renamed as (
    select
        source.*,
        -- ids
        salesorderdetailid as contract_line_id,
        salesorderid as contract_id,
        msdyn_project as project_id,
        -- strings
        {{ decode('msdyn_billingmethod', {192350000: 'time_and_material', 192350001: 'fixed_price'}) }} as billing_method,
        case
            when nullif(trim(msdyn_invoicefrequency), '') is null then 'monthly'
            when lower(trim(msdyn_invoicefrequency)) in ('weekly', 'biweekly', 'monthly')
                then lower(trim(msdyn_invoicefrequency))
            else {{ decode('msdyn_invoicefrequency', {192350000: 'weekly', 192350001: 'monthly', 192350002: 'biweekly'}) }}
        end as invoice_frequency,
        -- numerics
        {{ to_decimal('extendedamount', 2) }} as contracted_amount,
        {{ to_decimal('msdyn_nottoexceedlimit', 2) }} as not_to_exceed_limit,
        -- booleans
        coalesce({{ to_boolean('msdyn_includematerial') }}, false) as includes_materials,
        coalesce({{ to_boolean('msdyn_includetime') }}, false) as includes_time,
        -- dates
        {{ to_date('msdyn_billingstartdate') }} as billing_start_date
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['salesorderdetailid', 'salesorderid', 'msdyn_billingmethod']) }}
            {{- when_out_of_range([('extendedamount', 'amount')]) }}
            {{- when_bad_type([
                ('msdyn_billingmethod', 'billing_method', 'a billing method (192350000 T&M, 192350001 fixed price)'),
                ('msdyn_invoicefrequency', 'invoice_frequency', 'an invoice frequency (weekly, biweekly, monthly)'),
                ('extendedamount', 'contracted_amount', 'an amount with at most 2 decimals'),
                ('msdyn_nottoexceedlimit', 'not_to_exceed_limit', 'an amount with at most 2 decimals'),
                ('msdyn_includematerial', to_boolean('msdyn_includematerial'), 'true or false'),
                ('msdyn_includetime', to_boolean('msdyn_includetime'), 'true or false'),
                ('msdyn_billingstartdate', 'billing_start_date', 'an ISO-8601 date'),
            ]) }}
        end as problem
    from renamed
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['contract_line_id'], versioned=false) }}
),

reference_checked as (
    select
        version_checked.*,
        coalesce(version_checked.problem, version_checked.version_problem, case
            {{- when_unknown('version_checked.contract_id', 'contracts.contract_id', 'project contract') }}
            {{- when_unknown('version_checked.project_id', 'projects.project_id', 'project') }}
        end) as reject_reason
    from version_checked
    left join {{ ref('stg_project_operations__contracts') }} as contracts
        on version_checked.contract_id = contracts.contract_id
    left join {{ ref('stg_project_operations__projects') }} as projects
        on version_checked.project_id = projects.project_id
)

select
    contract_line_id,
    contract_id,
    project_id,
    billing_method,
    invoice_frequency,
    contracted_amount,
    not_to_exceed_limit,
    includes_materials,
    includes_time,
    billing_start_date,
    {{ staging_outcome(
        table_name='salesorderdetail',
        source_relation=source('project_operations', 'salesorderdetail'),
        record_id='contract_line_id',
        partition_by=['contract_line_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from reference_checked
