-- Every landed row of main_accounts typed and row-checked (R4: missing_required, out_of_range, bad_type,
-- negative_quantity), as a view: a setup snapshot is
-- small, so it is typed on every run (DECISIONLOG D-I1). Checks that depend on other rows or on the run clock are
-- in base_config_overrides__main_accounts.
{{ config(materialized='view') }}

{%- set typing %}
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
)
{%- endset %}

with source as (
    select * from {{ source('config_overrides', 'main_accounts') }}
    {{- loads_not_yet_typed(typing) }}
),

{{ typing }}

select
    *,
    {{ typing_checksum(typing) }} as _typed_by
from row_checked
