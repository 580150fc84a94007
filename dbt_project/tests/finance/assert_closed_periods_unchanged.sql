-- SPEC §3.3: nothing posts into a closed period — every closed period's trial balance and ledger totals equal the
-- snapshot taken when it was closed. Returns the rows of rpt_restatement with a difference.
{{ config(meta={'dagster': {'ref': {'name': 'rpt_restatement'}}}) }}

select *
from {{ ref('rpt_restatement') }}
where difference_debit_amount <> 0
    or difference_credit_amount <> 0
    or difference_closing_balance <> 0
    or difference_entry_count <> 0
