-- Fault hook for the reliability tests: fails when FIELDLEDGER_INJECT_FAILURE=check, so a test can show that a
-- failing error-level check on the ledger stops publishing and the Finance export. Returns nothing otherwise.
{{ config(meta={'dagster': {'ref': {'name': 'fct_gl_entries'}}}) }}

select 'injected failure' as problem
from {{ ref('fct_gl_entries') }}
where '{{ env_var("FIELDLEDGER_INJECT_FAILURE", "") }}' = 'check'
limit 1
