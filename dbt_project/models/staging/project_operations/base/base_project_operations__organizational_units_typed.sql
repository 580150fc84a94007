-- Every landed row of msdyn_organizationalunit typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in base_project_operations__organizational_units.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        msdyn_organizationalunitid as organizational_unit_id,
        msdyn_name as organizational_unit_name,
        upper(trim(msdyn_company)) as company_code,
        upper(trim(transactioncurrencyid)) as cost_currency_code
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['msdyn_organizationalunitid', 'transactioncurrencyid']) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('project_operations', 'msdyn_organizationalunit') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
