-- One row per customer account (current state), with its legal entity and tax group.
select
    accounts.account_id as customer_id,
    accounts.account_number,
    accounts.account_name as customer_name,
    accounts.company_code as legal_entity,
    accounts.currency_code,
    accounts.tax_group_id,
    taxes.tax_rate_percent
from {{ ref('stg_field_service__accounts') }} as accounts
left join {{ ref('stg_finance__tax_groups') }} as taxes
    on accounts.tax_group_id = taxes.tax_group_id
