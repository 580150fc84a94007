-- Every landed row of msdyn_project typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in int_projects_validated.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        -- ids
        msdyn_projectid as project_id,
        msdyn_customer as customer_id,
        msdyn_contractorganizationalunitid as contracting_unit_id,
        msdyn_salesorderid as contract_id,
        -- strings
        msdyn_subject as project_name,
        upper(trim(transactioncurrencyid)) as currency_code,
        msdyn_projectgroup as project_group,
        -- dates
        {{ to_date('msdyn_actualend') }} as actual_end_date
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['msdyn_projectid', 'msdyn_contractorganizationalunitid']) }}
            {{- when_bad_type([('msdyn_actualend', 'actual_end_date', 'an ISO-8601 date')]) }}
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('project_operations', 'msdyn_project') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
