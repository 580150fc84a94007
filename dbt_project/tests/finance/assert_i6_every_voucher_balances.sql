-- I6: every voucher balances (Σ debit = Σ credit exactly, accounting currency), and so does every legal entity
-- and period of the trial balance. Returns what does not balance.
{{ config(meta={'dagster': {'ref': {'name': 'fct_gl_entries'}}}) }}

select 'voucher' as level, voucher as key, sum(debit_amount) as debit, sum(credit_amount) as credit
from {{ ref('fct_gl_entries') }}
group by voucher
having sum(debit_amount) <> sum(credit_amount)
union all
select 'legal entity and period', legal_entity || ' ' || period, sum(debit_amount), sum(credit_amount)
from {{ ref('rpt_trial_balance') }}
group by legal_entity, period
having sum(net_amount) <> 0
