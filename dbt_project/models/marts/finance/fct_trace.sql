-- SPEC §3.1 trace both ways: one row per link of a chain, from a work order line and its row version →
-- MUL → journal line → actual (→ its reversal) → invoice line detail → invoice → voucher → GL leg → export batch, or
-- → integration journal line → voucher → GL leg → export batch (DECISIONLOG D-T3). A chain ends at one
-- integration journal line, one invoice line detail, one revenue recognition entry, or — not posted yet — at a
-- journal line or actual; every row of a chain carries the chain's ids (work order line, actual, invoice line
-- detail, invoice, integration line, voucher, export batch), so one filter on any of them returns the whole
-- chain, from either end. The links before an actual are repeated on each chain the actual is on. Every GL leg
-- is on exactly one row (link 'posting'); Σ of a voucher's 'posting' rows = the voucher.
-- On DuckDB a daily run rebuilds only the chains that changed (DECISIONLOG D-I5b): every document on a chain is a
-- ledger row that never changes (I9), so a chain changes only when its ids do (a voucher, an export batch), when it
-- gains a confirmation or a GL leg, or when it is new; a not-posted chain that got posted is deleted (post-hook).
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='delete+insert',
    unique_key='chain_id',
    on_schema_change='fail',
    post_hook="{{ delete_posted_trace_chains() }}"
) }}
-- the ids every row of a chain carries, as all_chain_ids and the built rows name them
{%- set chain_columns = ['chain_kind', 'work_order_line_id', 'line_version_number', 'work_order_id', 'project_id',
    'contract_line_id', 'mul_id', 'journal_line_id', 'actual_id', 'original_actual_id', 'milestone_id',
    'invoice_line_detail_id', 'invoice_id', 'integration_line_id', 'voucher', 'legal_entity', 'export_batch_id'] %}
{%- set chain -%}
    chain_ids.chain_id{% for column in chain_columns %}, chain_ids.{{ column }}{% endfor %}
{%- endset %}
with muls as (
    select mul_id, work_order_line_id, revision, line_version_number, work_order_id, project_id, contract_line_id
    from {{ ref('fct_material_usage_logs') }}
),

journal as (
    select journal_line_id, mul_id, transaction_type, amount, currency_code
    from {{ ref('fct_project_journal_lines') }}
),

actuals as (
    select * from {{ ref('fct_project_actuals') }}
),

integration as (
    select * from {{ ref('int_integration_journal_lines_recorded') }}
),

details as (
    select * from {{ ref('int_invoice_line_details_recorded') }}
),

posted_invoices as (
    select distinct invoice_id, invoice_number from {{ ref('int_customer_invoice_lines_recorded') }}
),

billing_actuals as (
    select invoice_line_detail_id, actual_id, transaction_type, transaction_class, reverses_actual_id, amount,
        currency_code
    from {{ ref('int_billing_actuals_recorded') }}
),

gl as (
    select * from {{ ref('fct_gl_entries') }}
),

batches as (
    select row_id, batch_id from {{ ref('int_export_batch_rows') }}
),

-- the usage actual a chain is about, with its original when it is a reversal (line change or approval withdrawn)
usage_actuals as (
    select
        actuals.actual_id,
        actuals.journal_line_id,
        actuals.mul_id,
        actuals.reverses_actual_id as original_actual_id,
        actuals.reversal_reason,
        actuals.amount,
        actuals.currency_code,
        actuals.legal_entity,
        originals.amount as original_amount
    from actuals
    left join actuals as originals
        on actuals.reverses_actual_id = originals.actual_id
    where actuals.transaction_type in ('cost', 'unbilled_sales')
        and coalesce(actuals.reversal_reason, '') <> 'invoice_confirmation'
),

-- one row per chain with its ids
chains as (
    -- an actual sent to Finance: its integration journal line
    select
        'integration_journal' as chain_kind,
        integration.integration_line_id as chain_end_id,
        usage_actuals.actual_id,
        usage_actuals.original_actual_id,
        usage_actuals.journal_line_id,
        usage_actuals.mul_id,
        cast(null as varchar) as milestone_id,
        cast(null as varchar) as invoice_line_detail_id,
        cast(null as varchar) as invoice_id,
        integration.integration_line_id,
        integration.voucher,
        integration.legal_entity,
        integration.contract_line_id as end_contract_line_id
    from integration
    inner join usage_actuals
        on integration.actual_id = usage_actuals.actual_id
    union all
    -- an item billed by an invoice run: its invoice line detail (voucher once the invoice is posted)
    select
        'customer_invoice',
        details.invoice_line_detail_id,
        details.actual_id,
        usage_actuals.original_actual_id,
        usage_actuals.journal_line_id,
        usage_actuals.mul_id,
        details.milestone_id,
        details.invoice_line_detail_id,
        details.invoice_id,
        null,
        posted_invoices.invoice_number,
        details.legal_entity,
        details.contract_line_id
    from details
    left join usage_actuals
        on details.actual_id = usage_actuals.actual_id
    left join posted_invoices
        on details.invoice_id = posted_invoices.invoice_id
    union all
    -- a usage actual on no chain yet (waiting for an exchange rate, or Finance off) ...
    select
        'not_posted', usage_actuals.actual_id, usage_actuals.actual_id, usage_actuals.original_actual_id,
        usage_actuals.journal_line_id, usage_actuals.mul_id, null, null, null, null, null,
        usage_actuals.legal_entity, null
    from usage_actuals
    where usage_actuals.actual_id not in (select actual_id from integration)
        and usage_actuals.actual_id not in (select actual_id from details where actual_id is not null)
    union all
    -- ... and a journal line without an actual (approval pending or rejected)
    select
        'not_posted', journal.journal_line_id, null, null, journal.journal_line_id, journal.mul_id, null, null, null,
        null, null, null, null
    from journal
    where journal.journal_line_id not in (select journal_line_id from actuals where journal_line_id is not null)
),

all_chain_ids as (
    select
        chains.*,
        {{ hash_id(['chains.chain_kind', 'chains.chain_end_id']) }} as chain_id,
        muls.work_order_line_id,
        muls.line_version_number,
        muls.work_order_id,
        muls.project_id,
        coalesce(chains.end_contract_line_id, muls.contract_line_id) as contract_line_id,
        export_rows.batch_id as export_batch_id
    from chains
    left join muls
        on chains.mul_id = muls.mul_id
    left join batches as export_rows
        on export_rows.row_id = coalesce(chains.integration_line_id, chains.invoice_id)
        and chains.voucher is not null
),

-- the chains of GL legs without a work order line (revenue recognition, invoices posted per line before issue 11)
gl_chain_legs as (
    select
        {{ hash_id(['gl.source_type', 'gl.source_id']) }} as chain_id,
        case when gl.source_type = 'revenue_recognition' then 'revenue_recognition' else 'customer_invoice_line' end
            as chain_kind,
        gl.project_id, gl.contract_line_id, gl.invoice_id, gl.voucher, gl.legal_entity,
        batches.batch_id as export_batch_id, gl.gl_entry_id
    from gl
    left join batches
        on gl.invoice_id = batches.row_id
    where gl.source_type = 'revenue_recognition'
        or (gl.source_type = 'customer_invoice' and gl.invoice_line_detail_id is null)
),

{%- if is_incremental() %}

-- D-T5: each chain's state, now and as last built: its ids (a hash per row), its confirmations and its GL legs
confirmations_per_detail as (
    select invoice_line_detail_id, count(*) as confirmations
    from billing_actuals
    group by invoice_line_detail_id
),

legs_per_source as (
    select source_type, source_id, count(*) as legs
    from gl
    group by source_type, source_id
),

chain_states as (
    select
        all_chain_ids.chain_id,
        {{ trace_chain_ids_hash(chain_columns, 'all_chain_ids.') }} as min_hash,
        coalesce(confirmations_per_detail.confirmations, 0) as confirmations,
        coalesce(legs_per_source.legs, 0) as legs
    from all_chain_ids
    left join confirmations_per_detail
        on all_chain_ids.invoice_line_detail_id = confirmations_per_detail.invoice_line_detail_id
    left join legs_per_source
        on legs_per_source.source_id = coalesce(all_chain_ids.integration_line_id, all_chain_ids.invoice_line_detail_id)
        and legs_per_source.source_type = case when all_chain_ids.integration_line_id is null then 'customer_invoice'
            else 'integration_journal' end
),

now_states as (
    select chain_id, min_hash, min_hash as max_hash, confirmations, legs from chain_states
    union all
    select chain_id, min(h), max(h), 0, count(*)
    from (
        select chain_id, {{ trace_chain_ids_hash(['chain_kind', 'null', 'null', 'null', 'project_id',
            'contract_line_id', 'null', 'null', 'null', 'null', 'null', 'null', 'invoice_id', 'null', 'voucher',
            'legal_entity', 'export_batch_id']) }} as h
        from gl_chain_legs
    ) as legs
    group by chain_id
),

built_states as (
    select
        chain_id,
        min(h) as min_hash,
        max(h) as max_hash,
        count(case when step = 7 then 1 end) as confirmations,
        count(case when step = 10 then 1 end) as legs
    from (
        select chain_id, step, {{ trace_chain_ids_hash(chain_columns) }} as h
        from {{ this }}
    ) as built
    group by chain_id
),

-- materialized: every branch of the links reads it
changed_chains as materialized (
    select now_states.chain_id
    from now_states
    left join built_states
        on now_states.chain_id = built_states.chain_id
        and now_states.min_hash = built_states.min_hash
        and now_states.max_hash = built_states.max_hash
        and now_states.confirmations = built_states.confirmations
        and now_states.legs = built_states.legs
    where built_states.chain_id is null
),
{%- endif %}

-- the chains this run builds: all of them, or on an incremental run the changed ones
chain_ids as {% if is_incremental() %}materialized {% endif %}(
    select * from all_chain_ids
    {%- if is_incremental() %}
    where chain_id in (select chain_id from changed_chains)
    {%- endif %}
),

-- the links of every chain, each with its chain's ids (carried by each branch rather than joined back to the chains
-- afterwards: at 1M lines, 20.5M links, ~10 % faster): (step, link, from node, to node, amount of the node it reaches)
links as (
    -- work order line version → MUL (the revision it caused, R15)
    select {{ chain }}, 1 as step, 'revision' as link, 'work_order_line_version' as from_kind,
        work_order_line_id || '@' || cast(line_version_number as varchar) as from_id, 'mul' as to_kind,
        mul_id as to_id, cast(null as decimal(18, 2)) as amount, cast(null as varchar) as currency_code,
        cast(null as varchar) as gl_entry_id
    from chain_ids where mul_id is not null
    union all
    -- MUL → journal line (R16)
    select {{ chain }}, 2, 'journal', 'mul', chain_ids.mul_id, 'journal_line', chain_ids.journal_line_id,
        journal.amount, journal.currency_code, null
    from chain_ids
    inner join journal on chain_ids.journal_line_id = journal.journal_line_id
    union all
    -- journal line → actual (R17): the original when the chain's actual is a reversal
    select {{ chain }}, 3, 'approval', 'journal_line', chain_ids.journal_line_id, 'actual',
        coalesce(chain_ids.original_actual_id, chain_ids.actual_id), usage_actuals.amount, usage_actuals.currency_code,
        null
    from chain_ids
    inner join usage_actuals on coalesce(chain_ids.original_actual_id, chain_ids.actual_id) = usage_actuals.actual_id
    union all
    -- actual → its reversal (R17/R18)
    select {{ chain }}, 4, 'reversal', 'actual', chain_ids.original_actual_id, 'actual', chain_ids.actual_id,
        usage_actuals.amount, usage_actuals.currency_code, null
    from chain_ids
    inner join usage_actuals on chain_ids.actual_id = usage_actuals.actual_id
    where chain_ids.original_actual_id is not null
    union all
    -- actual or milestone → invoice line detail (R21)
    select {{ chain }}, 5, 'invoice_run',
        case when chain_ids.milestone_id is null then 'actual' else 'milestone' end,
        coalesce(chain_ids.actual_id, chain_ids.milestone_id), 'invoice_line_detail', chain_ids.invoice_line_detail_id,
        details.amount, details.currency_code, null
    from chain_ids
    inner join details on chain_ids.invoice_line_detail_id = details.invoice_line_detail_id
    union all
    -- invoice line detail → invoice (R21)
    select {{ chain }}, 6, 'invoice', 'invoice_line_detail', invoice_line_detail_id, 'invoice', invoice_id, null, null,
        null
    from chain_ids where invoice_line_detail_id is not null
    union all
    -- confirmation (R22): the detail's billed-sales actual, and the skip-sync reversal of the billed unbilled actual
    select {{ chain }}, 7, 'confirmation',
        case when billing_actuals.transaction_type = 'billed_sales' then 'invoice_line_detail' else 'actual' end,
        case when billing_actuals.transaction_type = 'billed_sales' then chain_ids.invoice_line_detail_id
            else billing_actuals.reverses_actual_id end,
        'actual', billing_actuals.actual_id, billing_actuals.amount, billing_actuals.currency_code, null
    from chain_ids
    inner join billing_actuals on chain_ids.invoice_line_detail_id = billing_actuals.invoice_line_detail_id
    union all
    -- actual → integration journal line (R24)
    select {{ chain }}, 8, 'integration', 'actual', chain_ids.actual_id, 'integration_journal_line',
        chain_ids.integration_line_id, integration.amount, integration.currency_code, null
    from chain_ids
    inner join integration on chain_ids.integration_line_id = integration.integration_line_id
    union all
    -- integration journal line or posted invoice → voucher (R24, R26)
    select {{ chain }}, 9, 'voucher',
        case when integration_line_id is null then 'invoice' else 'integration_journal_line' end,
        coalesce(integration_line_id, invoice_id), 'voucher', voucher, null, null, null
    from chain_ids where voucher is not null
    union all
    -- voucher → GL leg (R25): an integration line's legs, or an invoice line detail's
    select {{ chain }}, 10, 'posting', 'voucher', chain_ids.voucher, 'gl_entry', gl.gl_entry_id, null, null,
        gl.gl_entry_id
    from chain_ids
    inner join gl
        on gl.source_id = coalesce(chain_ids.integration_line_id, chain_ids.invoice_line_detail_id)
        and gl.source_type = case when chain_ids.integration_line_id is null then 'customer_invoice'
            else 'integration_journal' end
    union all
    -- integration journal line or invoice → export batch (D32)
    select {{ chain }}, 11, 'export',
        case when integration_line_id is null then 'invoice' else 'integration_journal_line' end,
        coalesce(integration_line_id, invoice_id), 'export_batch', export_batch_id, null, null, null
    from chain_ids where export_batch_id is not null
),

traced as (
    select * from links
    union all
    -- revenue recognition (R27) and invoice legs a build from before issue 11 posted per invoice line (D-T1): a
    -- chain of their own, from the contract line or the customer invoice line, without a work order line
    select
        chain_id, chain_kind, null, null, null, project_id, contract_line_id, null, null, null, null, null, null,
        invoice_id, null, voucher, legal_entity, export_batch_id,
        10, 'posting', 'voucher', voucher, 'gl_entry', gl_entry_id, null, null, gl_entry_id
    from gl_chain_legs
    {%- if is_incremental() %}
    where chain_id in (select chain_id from changed_chains)
    {%- endif %}
)

select
    {{ hash_id(['traced.chain_id', 'traced.step', 'traced.from_id', 'traced.to_id']) }} as trace_link_id,
    traced.chain_id,
    traced.chain_kind,
    traced.step,
    traced.link,
    traced.from_kind,
    traced.from_id,
    traced.to_kind,
    traced.to_id,
    traced.amount,
    traced.currency_code,
    gl.debit_amount,
    gl.credit_amount,
    gl.accounting_currency_code,
    gl.main_account,
    gl.posting_type,
    traced.work_order_line_id,
    traced.line_version_number,
    traced.work_order_id,
    traced.project_id,
    traced.contract_line_id,
    traced.mul_id,
    traced.journal_line_id,
    traced.actual_id,
    traced.original_actual_id,
    traced.milestone_id,
    traced.invoice_line_detail_id,
    traced.invoice_id,
    traced.integration_line_id,
    traced.voucher,
    traced.legal_entity,
    traced.export_batch_id
from traced
left join gl
    on traced.gl_entry_id = gl.gl_entry_id
