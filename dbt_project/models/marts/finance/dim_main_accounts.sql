-- SPEC §3, R25: one row per legal entity × posting type: the main account the GL posts that posting type to, with
-- its name — the legal entity's own row of main_accounts (seed, or the delivery's main_accounts.csv), else the row
-- for every legal entity (*), as int_gl_entries_recorded resolves it.
with accounts as (
    select * from {{ ref('stg_config_overrides__main_accounts') }}
),

legal_entities as (
    select legal_entity from {{ ref('dim_legal_entities') }}
    union
    select legal_entity from accounts where legal_entity <> '*'
),

posting_types as (
    select distinct posting_type from accounts
)

select
    legal_entities.legal_entity,
    coalesce(own.main_account, fallback.main_account) as main_account,
    coalesce(own.account_name, fallback.account_name) as account_name,
    posting_types.posting_type,
    case when own.main_account is not null then 'legal_entity' else 'all_legal_entities' end as mapped_by,
    coalesce(own.defined_in, fallback.defined_in) as defined_in
from legal_entities
cross join posting_types
left join accounts as own
    on posting_types.posting_type = own.posting_type and legal_entities.legal_entity = own.legal_entity
left join accounts as fallback
    on posting_types.posting_type = fallback.posting_type and fallback.legal_entity = '*'
where coalesce(own.main_account, fallback.main_account) is not null
