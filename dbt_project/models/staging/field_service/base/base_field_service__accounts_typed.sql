-- Every landed row of account typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in base_field_service__accounts.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        -- ids
        accountid as account_id,
        msdyn_salestaxgroup as tax_group_id,
        -- strings
        name as account_name,
        accountnumber as account_number,
        upper(trim(msdyn_company)) as company_code,
        upper(trim(transactioncurrencyid)) as currency_code
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['accountid']) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('field_service', 'account') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
