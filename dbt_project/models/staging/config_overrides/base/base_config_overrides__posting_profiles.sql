-- Every delivered row of a posting_profiles override file, typed, with its R4 outcome.
with source as (
    select * from {{ source('config_overrides', 'posting_profiles') }}
),

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
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['posting_profile_id'], versioned=false) }}
)

select
    posting_profile_id,
    profile_scope,
    profile_scope_value,
    profile_billing_method,
    accrues_revenue,
    profile_description,
    {{ staging_outcome(
        table_name='posting_profiles',
        source_relation=source('config_overrides', 'posting_profiles'),
        record_id='posting_profile_id',
        partition_by=['posting_profile_id'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
