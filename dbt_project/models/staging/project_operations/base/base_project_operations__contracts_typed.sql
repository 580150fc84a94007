-- Every landed row of salesorder typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in int_contracts_validated.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        -- ids
        salesorderid as contract_id,
        customerid as customer_id,
        pricelevelid as price_list_id,
        msdyn_contractorganizationalunitid as contracting_unit_id,
        -- strings
        ordernumber as contract_number,
        name as contract_name,
        upper(trim(transactioncurrencyid)) as currency_code,
        upper(trim(msdyn_company)) as company_code,
        -- numerics
        {{ to_integer('msdyn_psastate') }} as contract_state_code,
        {{ to_decimal('msdyn_nottoexceedlimit', 2) }} as not_to_exceed_limit
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['salesorderid', 'customerid', 'transactioncurrencyid', 'msdyn_company']) }}
            {{- when_bad_type([
                ('msdyn_psastate', 'contract_state_code', 'a whole number'),
                ('msdyn_nottoexceedlimit', 'not_to_exceed_limit', 'an amount with at most 2 decimals'),
            ]) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('project_operations', 'salesorder') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
