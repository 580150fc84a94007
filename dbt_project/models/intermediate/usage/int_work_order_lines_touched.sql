-- R15 incremental path (DECISIONLOG D-I2): the lines whose revision timeline may differ from what the revision
-- ledger last saw — an accepted version of the line added or no longer accepted, or one of its work order's. A
-- line's timeline is a function of exactly these rows (int_work_order_line_events), so every other line would
-- only reproduce its recorded revisions. Fingerprint = count and XOR of the md5 of the accepted rows' content.
-- Without a previous run, or with --full-refresh, every line is touched (the full path).
{{ config(materialized='table') }}

with line_rows as (
    select work_order_product_id as work_order_line_id, work_order_id, _row_hash
    from {{ ref('int_work_order_products_validated') }}
    where reject_reason is null
    union all
    select work_order_service_id, work_order_id, _row_hash
    from {{ ref('int_work_order_services_validated') }}
    where reject_reason is null
),

-- (XOR in two 64-bit halves: DuckDB casts a UHUGEINT to text very slowly)
work_order_prints as (
    select
        work_order_id,
        work_order_id || ':' || cast(count(*) as varchar) || ':' || cast(bit_xor({{ md5_lower64('_row_hash') }}) as varchar)
            || ':' || cast(bit_xor({{ md5_upper64('_row_hash') }}) as varchar) as work_order_print
    from {{ ref('int_work_orders_validated') }}
    where reject_reason is null
    group by work_order_id
),

line_prints as (
    select
        work_order_line_id,
        count(*) as version_count,
        bit_xor({{ md5_lower64('_row_hash') }}) as versions_xor_lower,
        bit_xor({{ md5_upper64('_row_hash') }}) as versions_xor_upper
    from line_rows
    group by work_order_line_id
),

line_work_orders as (
    select distinct
        line_rows.work_order_line_id,
        coalesce(work_order_prints.work_order_print, line_rows.work_order_id || ':0') as work_order_print
    from line_rows
    left join work_order_prints
        on line_rows.work_order_id = work_order_prints.work_order_id
    where line_rows.work_order_id is not null
),

work_orders_of_lines as (
    select
        work_order_line_id,
        count(*) as work_order_count,
        bit_xor({{ md5_lower64('work_order_print') }}) as work_orders_xor_lower,
        bit_xor({{ md5_upper64('work_order_print') }}) as work_orders_xor_upper
    from line_work_orders
    group by work_order_line_id
),

fingerprints as (
    select
        line_prints.work_order_line_id,
        md5(concat_ws(':', line_prints.version_count, line_prints.versions_xor_lower, line_prints.versions_xor_upper,
                      coalesce(work_orders_of_lines.work_order_count, 0), work_orders_of_lines.work_orders_xor_lower,
                      work_orders_of_lines.work_orders_xor_upper)) as inputs_fingerprint
    from line_prints
    left join work_orders_of_lines
        on line_prints.work_order_line_id = work_orders_of_lines.work_order_line_id
)

{% if timeline_of_touched_lines_only() %}
select
    coalesce(fingerprints.work_order_line_id, seen.work_order_line_id) as work_order_line_id,
    fingerprints.inputs_fingerprint
from fingerprints
full outer join {{ line_fingerprints_relation() }} as seen
    on fingerprints.work_order_line_id = seen.work_order_line_id
where fingerprints.inputs_fingerprint is distinct from seen.inputs_fingerprint
{% else %}
select work_order_line_id, inputs_fingerprint
from fingerprints
{% endif %}
