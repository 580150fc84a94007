-- Every landed row of posting_profiles typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in base_config_overrides__posting_profiles.
{{ config(materialized='view') }}

{%- set typing %}
renamed as (
    select
        source.*,
        trim(profile_id) as posting_profile_id,
        {{ to_word('scope', ['contract', 'project_group', 'default']) }} as profile_scope,
        nullif(trim(scope_value), '') as profile_scope_value,
        {{ to_word('billing_method', ['time_and_material', 'fixed_price']) }} as profile_billing_method,
        coalesce({{ to_boolean('accrue_revenue') }}, false) as accrues_revenue,
        description as profile_description
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['profile_id', 'scope', 'billing_method']) }}
            {{- when_bad_type([
                ('scope', 'profile_scope', 'a scope (contract, project_group, default)'),
                ('billing_method', 'profile_billing_method', 'a billing method (time_and_material, fixed_price)'),
                ('accrue_revenue', to_boolean('accrue_revenue'), 'true or false'),
            ]) }}
            when profile_scope <> 'default' and profile_scope_value is null
                then 'missing_required: scope_value is empty for scope ' || profile_scope
        end as problem
    from renamed
)
{%- endset %}

with source as (
    select * from {{ source('config_overrides', 'posting_profiles') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
