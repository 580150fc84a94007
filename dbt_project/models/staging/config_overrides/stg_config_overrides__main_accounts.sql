-- R25 main accounts in force: the delivery's override file when it has accepted rows, else the seed.
with overrides as (
    select account_legal_entity as legal_entity, account_posting_type as posting_type,
        account_number as main_account, account_description as account_name, 'delivery' as defined_in
    from {{ ref('base_config_overrides__main_accounts') }}
    where is_current
),

seeded as (
    select upper(trim(legal_entity)), posting_type, main_account, account_name, 'seed'
    from {{ ref('main_accounts') }}
)

select * from overrides
union all
select * from seeded where not exists (select 1 from overrides)
