-- Every delivered row of a main_accounts override file, typed, with its R4 outcome.
with source as (
    select * from {{ source('config_overrides', 'main_accounts') }}
),

renamed as (
    select
        source.*,
        upper(trim(legal_entity)) as account_legal_entity,
        {{ to_word('posting_type', ['project_cost', 'cost_item', 'wip_sales_value', 'accrued_revenue',
            'customer_balance', 'invoiced_revenue', 'sales_tax_payable', 'wip_invoiced_on_account']) }}
            as account_posting_type,
        trim(main_account) as account_number,
        account_name as account_description,
        upper(trim(legal_entity)) || '|' || lower(trim(posting_type)) as main_account_key
    from source
),

row_checked as (
    select
        *,
        case
            {{- when_missing(['legal_entity', 'posting_type', 'main_account']) }}
            {{- when_bad_type([('posting_type', 'account_posting_type', 'a posting type of R25')]) }}
        end as problem
    from renamed
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['main_account_key'], versioned=false) }}
)

select
    account_legal_entity,
    account_posting_type,
    account_number,
    account_description,
    {{ staging_outcome(
        table_name='main_accounts',
        source_relation=source('config_overrides', 'main_accounts'),
        record_id='main_account_key',
        partition_by=['main_account_key'],
        newest_first=['_load_id desc', '_file_name desc', '_row_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
