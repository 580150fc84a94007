-- One row per stage of the pipeline — delivered lines → accepted → MULs → journal lines → actuals → invoiced →
-- integration journal → GL → customer invoices — with its rows and amount, what it must agree with, and the
-- difference, which must be zero (I1–I7). Amounts add up transaction currencies (GL: accounting currencies);
-- they are there to see the flow, the differences are exact.
with delivered as (
    select sum(rows_delivered) as rows_delivered, sum(rows_duplicate) as rows_duplicate,
        sum(rows_unparseable) as rows_unparseable
    from {{ ref('stg_landing__landed_files') }}
),

staged as (
    select
        count(case when reject_reason is null and is_current then 1 end) as accepted,
        count(case when reject_reason is null and not is_current then 1 end) as superseded,
        count(case when reject_reason is not null then 1 end) as rejected
    from {{ ref('int_delivered_row_outcomes') }}
),

listed_rejections as (
    select count(*) as listed from {{ ref('rpt_rejected_rows') }} where stage in ('landing', 'staging')
),

-- usage revisions that must have a MUL (I2): recorded ones, and those not held back that no later MUL of their
-- line superseded first
revisions_due as (
    select count(*) as revision_count
    from {{ ref('int_material_usage_logs_priced') }} as priced
    where exists (select 1 from {{ ref('int_material_usage_logs_recorded') }} as recorded
                  where recorded.mul_id = priced.mul_id)
        or (priced.hold_reason is null
            and not exists (
                select 1 from {{ ref('int_material_usage_logs_recorded') }} as later
                where later.work_order_line_id = priced.work_order_line_id and later.revision > priced.revision
            ))
),

muls as (
    select count(*) as mul_count, sum(cost_amount) as cost_amount,
        count(case when approval_status = 'approved' then 1 end) as approved,
        count(case when billing_type = 'chargeable' and billing_method = 'time_and_material' then 1 end) as with_sales
    from {{ ref('fct_material_usage_logs') }}
),

journal as (
    select count(*) as journal_count, sum(amount) as amount from {{ ref('fct_project_journal_lines') }}
),

latest_revisions as (
    select work_order_line_id, max(revision) as revision
    from {{ ref('int_line_revisions_recorded') }}
    group by work_order_line_id
),

current_journal as (
    select sum(journal.amount) as amount
    from {{ ref('fct_project_journal_lines') }} as journal
    inner join {{ ref('fct_material_usage_logs') }} as muls
        on journal.mul_id = muls.mul_id
    inner join latest_revisions
        on muls.work_order_line_id = latest_revisions.work_order_line_id
        and muls.revision = latest_revisions.revision
    where journal.approval_status = 'approved'
),

usage_actuals as (
    select count(*) as actual_count, sum(amount) as amount
    from {{ ref('fct_project_actuals') }}
    where transaction_class = 'material' and coalesce(reversal_reason, '') <> 'invoice_confirmation'
        and transaction_type in ('cost', 'unbilled_sales')
),

billed as (
    select count(*) as billed_count, sum(amount) as amount
    from {{ ref('fct_project_actuals') }} where transaction_type = 'billed_sales'
),

invoiced as (
    select sum(amount) as amount from {{ ref('fct_invoice_line_details') }} where invoice_status = 'confirmed'
),

synced as (
    select count(*) as synced_count, sum(amount) as amount
    from {{ ref('int_integration_journal_candidates') }}
),

waiting as (
    select count(*) as waiting_count, sum(amount) as amount
    from {{ ref('int_integration_journal_candidates') }}
    where exchange_rate is null
),

integration as (
    select count(*) as line_count, sum(amount) as amount from {{ ref('fct_integration_journal_lines') }}
),

gl as (
    select count(*) as leg_count, sum(debit_amount) as debit_amount, sum(credit_amount) as credit_amount
    from {{ ref('fct_gl_entries') }}
),

posted as (
    select count(*) as invoice_count, sum(total_amount) as total_amount, sum(tax_amount) as tax_amount
    from {{ ref('fct_customer_invoices') }}
),

proformas_posted as (
    select sum(proformas.total_amount) as amount
    from {{ ref('fct_proforma_invoices') }} as proformas
    inner join {{ ref('fct_customer_invoices') }} as posted
        on proformas.invoice_id = posted.invoice_id
),

stages as (
    select 1 as stage_order, 'delivered lines' as stage, delivered.rows_delivered as row_count,
        cast(null as decimal(38, 2)) as amount,
        'landed duplicates + unparseable + accepted + superseded + rejected (I1)' as must_equal,
        delivered.rows_delivered - (delivered.rows_duplicate + staged.accepted + staged.superseded
            + staged.rejected + delivered.rows_unparseable) as difference
    from delivered, staged
    union all
    select 2, 'accepted (current versions)', staged.accepted, null,
        'rejected and unparseable rows of landing and staging = their rows in rpt_rejected_rows (R4)',
        staged.rejected + delivered.rows_unparseable - listed_rejections.listed
    from staged, delivered, listed_rejections
    union all
    select 3, 'material usage logs', muls.mul_count, muls.cost_amount,
        'usage revisions recorded as MULs or due to be (not held back, not superseded by a later MUL) (I2)',
        muls.mul_count - revisions_due.revision_count
    from muls, revisions_due
    union all
    select 4, 'journal lines', journal.journal_count, journal.amount,
        'one cost line per MUL + one unbilled-sales line per chargeable T&M MUL (I2)',
        journal.journal_count - (muls.mul_count + muls.with_sales)
    from journal, muls
    union all
    select 5, 'actuals (cost and unbilled sales, net of line-change reversals)', usage_actuals.actual_count,
        usage_actuals.amount, 'journal amounts of each line''s current approved revision (I3)',
        coalesce(usage_actuals.amount, 0) - coalesce(current_journal.amount, 0)
    from usage_actuals, current_journal
    union all
    select 6, 'invoiced (billed sales)', billed.billed_count, billed.amount,
        'line details of confirmed invoices (I5)', coalesce(billed.amount, 0) - coalesce(invoiced.amount, 0)
    from billed, invoiced
    union all
    select 7, 'integration journal', integration.line_count, integration.amount,
        'actuals sent to Finance less those waiting for an exchange rate (R24)',
        coalesce(integration.amount, 0) - (coalesce(synced.amount, 0) - coalesce(waiting.amount, 0))
    from integration, synced, waiting
    union all
    select 8, 'general ledger (debit)', gl.leg_count, gl.debit_amount, 'credits (I6)',
        coalesce(gl.debit_amount, 0) - coalesce(gl.credit_amount, 0)
    from gl
    union all
    select 9, 'customer invoices', posted.invoice_count, posted.total_amount,
        'their confirmed proformas + sales tax (I7)',
        coalesce(posted.total_amount, 0) - (coalesce(proformas_posted.amount, 0) + coalesce(posted.tax_amount, 0))
    from posted, proformas_posted
)

select
    stage_order,
    stage,
    cast(row_count as bigint) as row_count,
    cast(amount as decimal(18, 2)) as amount,
    must_equal,
    cast(difference as decimal(18, 2)) as difference
from stages
