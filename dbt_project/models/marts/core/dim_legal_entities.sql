-- One row per legal entity (cdm_company) with its accounting currency.
select
    company_code as legal_entity,
    company_name,
    accounting_currency_code
from {{ ref('stg_finance__companies') }}
