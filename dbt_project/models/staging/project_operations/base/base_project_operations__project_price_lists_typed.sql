-- Every landed row of msdyn_projectpricelist typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in int_project_price_lists_validated.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        msdyn_pricelist as price_list_id,
        msdyn_organizationalunit as organizational_unit_id,
        msdyn_salesorder as contract_id,
        concat_ws('|', msdyn_pricelist, coalesce(msdyn_organizationalunit, ''), coalesce(msdyn_salesorder, ''))
            as project_price_list_key
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['msdyn_pricelist']) }}
            when organizational_unit_id is null and contract_id is null
                then 'missing_required: msdyn_organizationalunit and msdyn_salesorder are both empty (one is needed)'
            when organizational_unit_id is not null and contract_id is not null
                then 'bad_type: msdyn_organizationalunit and msdyn_salesorder are both set (exactly one is allowed)'
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('project_operations', 'msdyn_projectpricelist') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
