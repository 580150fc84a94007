-- I6, SPEC §3.3: the trial balance per legal entity, period and main account (accounting currency) as a roll-forward
-- — opening balance + debits − credits = closing balance — for every period from the account's first posting to
-- the legal entity's last posted period (periods without movement included, so each period opens with the
-- previous one's closing). Σ net per legal entity and period is zero; is_closed says whether the period is closed
-- (nothing posts into it; rpt_restatement compares it with its snapshot).
with movements as (
    select
        legal_entity,
        period,
        main_account,
        posting_type,
        accounting_currency_code,
        sum(debit_amount) as debit_amount,
        sum(credit_amount) as credit_amount,
        count(*) as entry_count
    from {{ ref('fct_gl_entries') }}
    group by all
),

accounts as (
    select legal_entity, main_account, posting_type, accounting_currency_code, min(period) as first_period
    from movements
    group by all
),

last_periods as (
    select legal_entity, max(period) as last_period
    from movements
    group by legal_entity
),

grid as (
    select
        accounts.*,
        {{ period_key('month_starts.day') }} as period
    from accounts
    inner join last_periods
        on accounts.legal_entity = last_periods.legal_entity
    cross join lateral {{ date_series(
        "cast(accounts.first_period || '-01' as date)", "cast(last_periods.last_period || '-01' as date)",
        "interval 1 month", alias='month_starts') }}
),

rolled as (
    select
        grid.legal_entity,
        grid.period,
        grid.main_account,
        grid.posting_type,
        grid.accounting_currency_code,
        coalesce(movements.debit_amount, 0) as debit_amount,
        coalesce(movements.credit_amount, 0) as credit_amount,
        coalesce(movements.entry_count, 0) as entry_count,
        coalesce(sum(coalesce(movements.debit_amount, 0) - coalesce(movements.credit_amount, 0)) over (
            partition by grid.legal_entity, grid.main_account, grid.posting_type, grid.accounting_currency_code
            order by grid.period
            rows between unbounded preceding and 1 preceding
        ), 0) as opening_balance,
        sum(coalesce(movements.debit_amount, 0) - coalesce(movements.credit_amount, 0)) over (
            partition by grid.legal_entity, grid.main_account, grid.posting_type, grid.accounting_currency_code
            order by grid.period
            rows between unbounded preceding and current row
        ) as closing_balance
    from grid
    left join movements
        on grid.legal_entity = movements.legal_entity
        and grid.period = movements.period
        and grid.main_account = movements.main_account
        and grid.posting_type = movements.posting_type
        and grid.accounting_currency_code is not distinct from movements.accounting_currency_code
)

select
    rolled.legal_entity,
    rolled.period,
    rolled.main_account,
    rolled.posting_type,
    rolled.accounting_currency_code,
    cast(rolled.opening_balance as decimal(18, 2)) as opening_balance,
    cast(rolled.debit_amount as decimal(18, 2)) as debit_amount,
    cast(rolled.credit_amount as decimal(18, 2)) as credit_amount,
    cast(rolled.debit_amount - rolled.credit_amount as decimal(18, 2)) as net_amount,
    cast(rolled.closing_balance as decimal(18, 2)) as closing_balance,
    rolled.entry_count,
    coalesce(rolled.period <= closed.closed_through_period, false) as is_closed
from rolled
left join {{ ref('int_closed_periods') }} as closed
    on rolled.legal_entity = closed.legal_entity
