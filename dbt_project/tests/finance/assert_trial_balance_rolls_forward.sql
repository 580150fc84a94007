-- SPEC §3.3 roll-forward: per legal entity, main account and period, opening balance + debits − credits = closing
-- balance; each period opens with the previous period's closing (the first with 0), with no period missing; and the
-- closing balance equals Σ of the account's GL legs up to that period, counted independently. Returns what differs.
{{ config(meta={'dagster': {'ref': {'name': 'rpt_trial_balance'}}}) }}

with balances as (
    select
        *,
        lag(closing_balance) over (
            partition by legal_entity, main_account, posting_type, accounting_currency_code order by period
        ) as previous_closing,
        lag(period) over (
            partition by legal_entity, main_account, posting_type, accounting_currency_code order by period
        ) as previous_period
    from {{ ref('rpt_trial_balance') }}
),

to_date as (
    select balances.legal_entity, balances.period, balances.main_account, balances.posting_type,
        coalesce(sum(gl.debit_amount - gl.credit_amount), 0) as balance
    from balances
    left join {{ ref('fct_gl_entries') }} as gl
        on balances.legal_entity = gl.legal_entity
        and balances.main_account = gl.main_account
        and balances.posting_type = gl.posting_type
        and gl.period <= balances.period
    group by all
)

select 'opening + debit - credit <> closing' as problem, legal_entity, period, main_account
from balances
where opening_balance + debit_amount - credit_amount <> closing_balance
union all
select 'opening <> previous closing', legal_entity, period, main_account
from balances
where opening_balance <> coalesce(previous_closing, 0)
union all
select 'a period missing before this one', legal_entity, period, main_account
from balances
where previous_period is not null
    and cast(previous_period || '-01' as date) + interval 1 month <> cast(period || '-01' as date)
union all
select 'closing <> Σ GL legs to date', balances.legal_entity, balances.period, balances.main_account
from balances
inner join to_date
    on balances.legal_entity = to_date.legal_entity
    and balances.period = to_date.period
    and balances.main_account = to_date.main_account
    and balances.posting_type = to_date.posting_type
where balances.closing_balance <> to_date.balance
