-- Every landed row of salesorderdetail typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in int_contract_lines_validated.
{{ config(materialized='view') }}

{%- set typing %}
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
)
{%- endset %}

with source as (
    select * from {{ source('project_operations', 'salesorderdetail') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
