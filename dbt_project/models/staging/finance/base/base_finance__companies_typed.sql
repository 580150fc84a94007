-- Every landed row of cdm_company typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity) once per load: a run types only the rows of loads not typed yet, and every row again when
-- the typing SQL changes (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are in
-- base_finance__companies.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='_load_id',
    on_schema_change='append_new_columns',
) }}
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
