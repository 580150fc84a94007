-- Fault hook for the reliability tests: fails when FIELDLEDGER_INJECT_FAILURE=check, so a test can show that a
-- failing error-level check on the ledger stops publishing and the Finance export. Returns nothing otherwise.
-- depends_on: {{ ref('fct_gl_entries') }}
{{ config(meta={'dagster': {'ref': {'name': 'fct_gl_entries'}}}) }}

select injected.problem
from (values ('{{ env_var("FIELDLEDGER_INJECT_FAILURE", "") }}')) as injected (problem)
where injected.problem = 'check'
