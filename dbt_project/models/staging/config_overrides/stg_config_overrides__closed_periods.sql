-- SPEC §3.3 closed periods in force: the delivery's override file when it has accepted rows, else the seed.
with overrides as (
    select closed_legal_entity as legal_entity, closed_through_date as closed_through,
        closed_description as description, 'delivery' as defined_in
    from {{ ref('base_config_overrides__closed_periods') }}
    where is_current
),

seeded as (
    select upper(trim(legal_entity)), cast(closed_through as date), description, 'seed'
    from {{ ref('closed_periods') }}
)

select * from overrides
union all
select * from seeded where not exists (select 1 from overrides)
