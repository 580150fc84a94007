-- SPEC §3.1: every GL leg is on exactly one link of fct_trace (a posting link), with a work order line unless it
-- is a milestone's, revenue recognition or a pre-issue-11 invoice line leg; so the trace of every voucher sums to
-- the voucher. Returns the legs traced 0 or 2+ times, and the vouchers whose trace does not sum to them.
{{ config(meta={'dagster': {'ref': {'name': 'fct_trace'}}}) }}

with traced as (
    select gl_entry_id, count(*) as times
    from (select to_id as gl_entry_id from {{ ref('fct_trace') }} where to_kind = 'gl_entry') as posting_links
    group by gl_entry_id
),

by_voucher as (
    select voucher, sum(debit_amount) as debit, sum(credit_amount) as credit
    from {{ ref('fct_trace') }}
    where to_kind = 'gl_entry'
    group by voucher
),

vouchers as (
    select voucher, sum(debit_amount) as debit, sum(credit_amount) as credit
    from {{ ref('fct_gl_entries') }}
    group by voucher
)

select 'leg traced ' || cast(coalesce(traced.times, 0) as varchar) || ' times' as problem, gl.gl_entry_id as key
from {{ ref('fct_gl_entries') }} as gl
left join traced
    on gl.gl_entry_id = traced.gl_entry_id
where coalesce(traced.times, 0) <> 1
union all
select 'trace of the voucher does not sum to it', coalesce(vouchers.voucher, by_voucher.voucher)
from vouchers
full outer join by_voucher
    on vouchers.voucher = by_voucher.voucher
where vouchers.debit is distinct from by_voucher.debit or vouchers.credit is distinct from by_voucher.credit
union all
select 'a leg without work order line on a work order line''s chain', trace.to_id
from {{ ref('fct_trace') }} as trace
inner join {{ ref('fct_gl_entries') }} as gl
    on trace.to_id = gl.gl_entry_id
where trace.to_kind = 'gl_entry' and trace.chain_kind in ('integration_journal', 'customer_invoice')
    and trace.milestone_id is null and gl.work_order_line_id is distinct from trace.work_order_line_id
