-- I6: the trial balance per legal entity, period and main account (accounting currency): debits, credits,
-- the period's net and the closing balance to date. Σ net per legal entity and period is zero.
with movements as (
    select
        legal_entity,
        period,
        main_account,
        posting_type,
        accounting_currency_code,
        sum(debit_amount) as debit_amount,
        sum(credit_amount) as credit_amount
    from {{ ref('fct_gl_entries') }}
    group by all
)

select
    legal_entity,
    period,
    main_account,
    posting_type,
    accounting_currency_code,
    cast(debit_amount as decimal(18, 2)) as debit_amount,
    cast(credit_amount as decimal(18, 2)) as credit_amount,
    cast(debit_amount - credit_amount as decimal(18, 2)) as net_amount,
    cast(sum(debit_amount - credit_amount) over (
        partition by legal_entity, main_account, posting_type order by period
        rows between unbounded preceding and current row
    ) as decimal(18, 2)) as closing_balance
from movements
