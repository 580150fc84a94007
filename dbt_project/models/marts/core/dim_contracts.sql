-- One row per project contract (salesorder, current state).
select
    contract_id,
    contract_number,
    contract_name,
    customer_id,
    company_code as legal_entity,
    currency_code,
    price_list_id,
    contracting_unit_id,
    contract_state_code,
    not_to_exceed_limit
from {{ ref('int_contracts_current') }}
