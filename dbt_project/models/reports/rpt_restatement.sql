-- SPEC §3.3: what changed in a closed period — for every period snapshotted at its close (int_period_close_snapshots
-- _recorded), per main account and posting type and for the period's ledger totals, the snapshot next to the GL now
-- and the difference (must be zero: nothing posts into a closed period), with the late entries that belong to the
-- period (original_accounting_date in it) and were posted to the first open period instead.
with snapshots as (
    select * from {{ ref('int_period_close_snapshots_recorded') }}
),

gl as (
    select * from {{ ref('fct_gl_entries') }}
),

snapshotted_periods as (
    select legal_entity, period, closed_through, snapshot_load_id
    from snapshots
    where snapshot_level = 'period'
),

-- the GL now, for the snapshotted periods: per account (the roll-forward trial balance) and in total
current_accounts as (
    select
        balances.legal_entity,
        balances.period,
        balances.main_account,
        balances.posting_type,
        balances.debit_amount,
        balances.credit_amount,
        balances.closing_balance,
        balances.entry_count
    from {{ ref('rpt_trial_balance') }} as balances
    inner join snapshotted_periods as periods
        on balances.legal_entity = periods.legal_entity
        and balances.period = periods.period
),

current_totals as (
    select
        periods.legal_entity,
        periods.period,
        coalesce(sum(gl.debit_amount), 0) as debit_amount,
        coalesce(sum(gl.credit_amount), 0) as credit_amount,
        count(gl.gl_entry_id) as entry_count
    from snapshotted_periods as periods
    left join gl
        on periods.legal_entity = gl.legal_entity
        and gl.period = periods.period
    group by all
),

-- entries of the period that arrived after it closed, posted later (SPEC §3.3)
late as (
    select
        legal_entity,
        original_period as period,
        main_account,
        posting_type,
        count(*) as late_entry_count,
        sum(debit_amount) as late_debit_amount,
        sum(credit_amount) as late_credit_amount,
        {{ string_agg_ordered('period', "', '", 'period', distinct=true) }} as late_posted_in
    from gl
    where original_period <> period
    group by all
),

late_totals as (
    select legal_entity, period, sum(late_entry_count) as late_entry_count, sum(late_debit_amount) as late_debit_amount,
        sum(late_credit_amount) as late_credit_amount,
        {{ string_agg_ordered('late_posted_in', "', '", 'late_posted_in', distinct=true) }} as late_posted_in
    from late
    group by all
),

compared as (
    select
        coalesce(snapshots.legal_entity, current_accounts.legal_entity) as legal_entity,
        coalesce(snapshots.period, current_accounts.period) as period,
        'account' as level,
        coalesce(snapshots.main_account, current_accounts.main_account) as main_account,
        coalesce(snapshots.posting_type, current_accounts.posting_type) as posting_type,
        coalesce(snapshots.debit_amount, 0) as snapshot_debit_amount,
        coalesce(snapshots.credit_amount, 0) as snapshot_credit_amount,
        coalesce(snapshots.closing_balance, 0) as snapshot_closing_balance,
        coalesce(snapshots.entry_count, 0) as snapshot_entry_count,
        coalesce(current_accounts.debit_amount, 0) as current_debit_amount,
        coalesce(current_accounts.credit_amount, 0) as current_credit_amount,
        coalesce(current_accounts.closing_balance, 0) as current_closing_balance,
        coalesce(current_accounts.entry_count, 0) as current_entry_count
    from (select * from snapshots where snapshot_level = 'account') as snapshots
    full outer join current_accounts
        on snapshots.legal_entity = current_accounts.legal_entity
        and snapshots.period = current_accounts.period
        and snapshots.main_account = current_accounts.main_account
        and snapshots.posting_type = current_accounts.posting_type
    union all
    select
        snapshots.legal_entity,
        snapshots.period,
        'period',
        null,
        null,
        snapshots.debit_amount,
        snapshots.credit_amount,
        null,
        snapshots.entry_count,
        current_totals.debit_amount,
        current_totals.credit_amount,
        null,
        current_totals.entry_count
    from (select * from snapshots where snapshot_level = 'period') as snapshots
    inner join current_totals
        on snapshots.legal_entity = current_totals.legal_entity
        and snapshots.period = current_totals.period
),

explained as (
    select
        compared.*,
        snapshotted_periods.closed_through,
        snapshotted_periods.snapshot_load_id,
        cast(current_debit_amount - snapshot_debit_amount as decimal(18, 2)) as difference_debit_amount,
        cast(current_credit_amount - snapshot_credit_amount as decimal(18, 2)) as difference_credit_amount,
        cast(coalesce(current_closing_balance, 0) - coalesce(snapshot_closing_balance, 0) as decimal(18, 2))
            as difference_closing_balance,
        current_entry_count - snapshot_entry_count as difference_entry_count,
        cast(coalesce(late.late_entry_count, late_totals.late_entry_count, 0) as bigint) as late_entry_count,
        cast(coalesce(late.late_debit_amount, late_totals.late_debit_amount, 0) as decimal(18, 2)) as late_debit_amount,
        cast(coalesce(late.late_credit_amount, late_totals.late_credit_amount, 0) as decimal(18, 2))
            as late_credit_amount,
        coalesce(late.late_posted_in, late_totals.late_posted_in) as late_posted_in
    from compared
    inner join snapshotted_periods
        on compared.legal_entity = snapshotted_periods.legal_entity
        and compared.period = snapshotted_periods.period
    left join late
        on compared.level = 'account'
        and compared.legal_entity = late.legal_entity
        and compared.period = late.period
        and compared.main_account = late.main_account
        and compared.posting_type = late.posting_type
    left join late_totals
        on compared.level = 'period'
        and compared.legal_entity = late_totals.legal_entity
        and compared.period = late_totals.period
)

select
    legal_entity,
    period,
    level,
    main_account,
    posting_type,
    closed_through,
    snapshot_load_id,
    cast(snapshot_debit_amount as decimal(18, 2)) as snapshot_debit_amount,
    cast(snapshot_credit_amount as decimal(18, 2)) as snapshot_credit_amount,
    cast(snapshot_closing_balance as decimal(18, 2)) as snapshot_closing_balance,
    snapshot_entry_count,
    cast(current_debit_amount as decimal(18, 2)) as current_debit_amount,
    cast(current_credit_amount as decimal(18, 2)) as current_credit_amount,
    cast(current_closing_balance as decimal(18, 2)) as current_closing_balance,
    current_entry_count,
    difference_debit_amount,
    difference_credit_amount,
    difference_closing_balance,
    difference_entry_count,
    late_entry_count,
    late_debit_amount,
    late_credit_amount,
    late_posted_in,
    case
        when difference_debit_amount <> 0 or difference_credit_amount <> 0 or difference_closing_balance <> 0
            or difference_entry_count <> 0
            then 'changed after close: ' || cast(difference_entry_count as varchar) || ' entries, debit '
                || cast(difference_debit_amount as varchar) || ', credit ' || cast(difference_credit_amount as varchar)
                || ' — something posted into a closed period'
        when late_entry_count > 0
            then 'unchanged since closed; ' || cast(late_entry_count as varchar)
                || ' late entries of this period posted in ' || late_posted_in
                || ' (first open period) with their original accounting date'
        else 'unchanged since closed'
    end as explanation
from explained
