-- R15 material usage log ledger (append-only): one MUL per money-changing revision of a used line, with the
-- prices and costs it had when it was recorded — a later change to a price list never re-prices it. A run adds
-- the priced revisions that are not held back and are newer than the line's last recorded MUL.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}

select priced.*
from {{ ref('int_material_usage_logs_priced') }} as priced
where priced.hold_reason is null
{% if is_incremental() %}
    and not exists (
        select 1 from {{ this }} as recorded
        where recorded.work_order_line_id = priced.work_order_line_id
            and recorded.revision >= priced.revision
    )
{% endif %}
