-- R21 executed runs (append-only ledger): a run date is executed for a contract line by the first pipeline run
-- whose as_of_date reaches it, whether or not it finds anything to invoice; the row keeps the load that executed
-- it. An item that becomes known after its run was executed by an earlier load goes to the first run not yet
-- executed (int_invoice_line_details_recorded) — never onto an executed run.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='append_new_columns',
) }}

with current_load as (
    select coalesce(max(load_id), 0) as load_id from {{ ref('stg_landing__landed_files') }}
)

select
    {{ hash_id(['calendar.contract_line_id', 'calendar.run_date']) }} as executed_run_id,
    calendar.contract_line_id,
    calendar.contract_id,
    calendar.run_date,
    calendar.cutoff_date,
    current_load.load_id as executed_by_load_id
from {{ ref('int_invoice_run_calendar') }} as calendar
cross join current_load
where calendar.is_due
{% if is_incremental() %}
    and not exists (
        select 1 from {{ this }} as executed
        where executed.contract_line_id = calendar.contract_line_id and executed.run_date = calendar.run_date
    )
{% endif %}
