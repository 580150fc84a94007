-- The current contracts (the accepted row of the newest landing per key); rejected rows are in rpt_rejected_rows.
select
    contract_id,
    customer_id,
    price_list_id,
    contracting_unit_id,
    contract_number,
    contract_name,
    currency_code,
    company_code,
    contract_state_code,
    not_to_exceed_limit,
    _file_name,
    _row_number
from {{ ref('int_contracts_validated') }}
where is_current
