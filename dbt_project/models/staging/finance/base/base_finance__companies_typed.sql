-- Every landed row of cdm_company typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in base_finance__companies.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        upper(trim(cdm_companycode)) as company_code,
        name as company_name,
        upper(trim(accountingcurrency)) as accounting_currency_code
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['cdm_companycode', 'accountingcurrency']) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('finance', 'cdm_company') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
