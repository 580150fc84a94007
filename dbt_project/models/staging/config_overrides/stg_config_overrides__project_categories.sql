-- Project categories in force: the delivery's override file when it has accepted rows, else the seed.
with overrides as (
    select category_legal_entity as legal_entity, category_line_type as line_type,
        category_name as project_category, category_description as description, 'delivery' as defined_in
    from {{ ref('base_config_overrides__project_categories') }}
    where is_current
),

seeded as (
    select upper(trim(legal_entity)), line_type, project_category, description, 'seed'
    from {{ ref('project_categories') }}
)

select * from overrides
union all
select * from seeded where not exists (select 1 from overrides)
