-- SPEC §3.3 append-only ledger: the first run in which a period of a legal entity is closed freezes its trial
-- balance (one row per main account and posting type with a balance to date: opening, debits, credits, closing)
-- and its ledger totals (one row per period: legs, vouchers, debits, credits), taken after this run's postings
-- (which already obey the close). Never changed; rpt_restatement compares the GL with it on every later run.
-- A legal entity's periods are snapshotted from its first GL period (or the closed one, when it has none) on.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}

with closed as (
    select * from {{ ref('int_closed_periods') }}
),

gl as (
    select * from {{ ref('int_gl_entries_recorded') }}
),

first_periods as (
    select legal_entity, min(accounting_date) as first_date
    from gl
    group by legal_entity
),

current_load as (
    select coalesce(max(load_id), 0) as load_id from {{ ref('stg_landing__landed_files') }}
),

-- every closed period of every legal entity not snapshotted yet
periods as (
    select
        closed.legal_entity,
        closed.closed_through,
        {{ period_key('month_starts.day') }} as period
    from closed
    left join first_periods
        on closed.legal_entity = first_periods.legal_entity
    cross join lateral {{ date_series(
        "date_trunc('month', least(coalesce(first_periods.first_date, closed.closed_through), closed.closed_through))",
        "date_trunc('month', closed.closed_through)", "interval 1 month", alias='month_starts') }}
    {% if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as snapshotted
        where snapshotted.legal_entity = closed.legal_entity
            and snapshotted.period = {{ period_key('month_starts.day') }}
            and snapshotted.snapshot_level = 'period'
    )
    {% endif %}
),

accounts as (
    select
        periods.legal_entity,
        periods.period,
        periods.closed_through,
        gl.main_account,
        gl.posting_type,
        gl.accounting_currency_code,
        sum(case when gl.period < periods.period then gl.debit_amount - gl.credit_amount else 0 end) as opening_balance,
        sum(case when gl.period = periods.period then gl.debit_amount else 0 end) as debit_amount,
        sum(case when gl.period = periods.period then gl.credit_amount else 0 end) as credit_amount,
        count(case when gl.period = periods.period then 1 end) as entry_count
    from periods
    inner join gl
        on periods.legal_entity = gl.legal_entity
        and gl.period <= periods.period
    group by all
),

totals as (
    select
        periods.legal_entity,
        periods.period,
        periods.closed_through,
        max(gl.accounting_currency_code) as accounting_currency_code,
        coalesce(sum(gl.debit_amount), 0) as debit_amount,
        coalesce(sum(gl.credit_amount), 0) as credit_amount,
        count(gl.gl_entry_id) as entry_count,
        count(distinct gl.voucher) as voucher_count
    from periods
    left join gl
        on periods.legal_entity = gl.legal_entity
        and gl.period = periods.period
    group by all
)

select
    {{ hash_id(['legal_entity', 'period', "'account'", 'main_account', 'posting_type']) }} as snapshot_row_id,
    legal_entity,
    period,
    'account' as snapshot_level,
    main_account,
    posting_type,
    accounting_currency_code,
    cast(opening_balance as decimal(18, 2)) as opening_balance,
    cast(debit_amount as decimal(18, 2)) as debit_amount,
    cast(credit_amount as decimal(18, 2)) as credit_amount,
    cast(opening_balance + debit_amount - credit_amount as decimal(18, 2)) as closing_balance,
    entry_count,
    cast(null as bigint) as voucher_count,
    closed_through,
    current_load.load_id as snapshot_load_id
from accounts
cross join current_load
union all
select
    {{ hash_id(['legal_entity', 'period', "'period'"]) }},
    legal_entity,
    period,
    'period',
    null,
    null,
    accounting_currency_code,
    null,
    cast(debit_amount as decimal(18, 2)),
    cast(credit_amount as decimal(18, 2)),
    null,
    entry_count,
    voucher_count,
    closed_through,
    current_load.load_id
from totals
cross join current_load
