-- SPEC §3.1: every row of a Finance export batch (D32) with its batch's sequence and status, read from the build
-- file's exports schema (orchestration/exports.py). Empty before the first export: the tables do not exist yet.
{%- set rows = source('exports', 'batch_rows') -%}
{%- set batches = source('exports', 'batches') -%}
{%- set present = execute and adapter.get_relation(rows.database, rows.schema, rows.identifier) is not none
    and adapter.get_relation(batches.database, batches.schema, batches.identifier) is not none %}

{% if present %}
select
    batch_rows.row_id,
    batch_rows.export_name,
    batch_rows.batch_id,
    cast(batches.sequence as integer) as batch_sequence,
    cast(batches.status as varchar) as batch_status
from {{ rows }} as batch_rows
inner join {{ batches }} as batches
    on batch_rows.batch_id = batches.batch_id
{% else %}
select
    cast(null as varchar) as row_id,
    cast(null as varchar) as export_name,
    cast(null as varchar) as batch_id,
    cast(null as integer) as batch_sequence,
    cast(null as varchar) as batch_status
where false
{% endif %}
