-- SPEC §3.1, D32: the export batch of every integration journal line and posted customer invoice — the batch an
-- earlier run recorded it in (exports.batch_rows), or the one the Finance export writes right after this run
-- publishes (DECISIONLOG D-T4). That batch's id is computed as orchestration/exports.py computes it: over the rows
-- of no batch yet, per export (integration_journal_lines, then customer_invoices) '<name>:<count>:<md5 of the ids
-- sorted, one per line>', those lines joined by a newline, sha256, the first 24 hex digits. So the marts a run
-- publishes name the batch that takes their rows, and a re-run changes nothing (I8).
with recorded as (
    select row_id, export_name, batch_id, true as is_recorded from {{ ref('stg_exports__batch_rows') }}
),

pending as (
    select 'integration_journal_lines' as export_name, integration_line_id as row_id
    from {{ ref('fct_integration_journal_lines') }}
    where integration_line_id not in (select row_id from recorded)
    union all
    select 'customer_invoices', invoice_id
    from {{ ref('fct_customer_invoices') }}
    where invoice_id not in (select row_id from recorded)
),

per_export as (
    select
        exports.export_name,
        exports.export_order,
        count(pending.row_id) as row_count,
        md5(coalesce({{ string_agg_ordered('pending.row_id', 'chr(10)', 'pending.row_id') }}, '')) as digest
    from (values ('integration_journal_lines', 1), ('customer_invoices', 2)) as exports (export_name, export_order)
    left join pending
        on exports.export_name = pending.export_name
    group by exports.export_name, exports.export_order
),

next_batch as (
    select
        left({{ sha256_hex(string_agg_ordered("export_name || ':' || cast(row_count as varchar) || ':' || digest",
            'chr(10)', 'export_order')) }}, 24) as batch_id,
        sum(row_count) as row_count
    from per_export
)

select row_id, export_name, batch_id, is_recorded from recorded
union all
select pending.row_id, pending.export_name, next_batch.batch_id, false
from pending
cross join next_batch
where next_batch.row_count > 0
