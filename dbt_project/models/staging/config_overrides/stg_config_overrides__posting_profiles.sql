-- R25 posting profiles in force: the delivery's override file when it has accepted rows, else the seed.
with overrides as (
    select posting_profile_id, profile_scope, profile_scope_value, profile_billing_method, accrues_revenue,
        profile_description, 'delivery' as defined_in
    from {{ ref('base_config_overrides__posting_profiles') }}
    where is_current
),

seeded as (
    select profile_id, scope, nullif(trim(scope_value), ''), billing_method, accrue_revenue, description, 'seed'
    from {{ ref('posting_profiles') }}
)

select * from overrides
union all
select * from seeded where not exists (select 1 from overrides)
