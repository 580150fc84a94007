-- R4 at the finance stage: current work order lines with an actual that waits for an exchange rate
-- (no_exchange_rate, R24) — retried every run, and gone once the rate arrives.
with waiting as (
    select
        work_order_line_id,
        min(currency_code || ' → ' || coalesce(accounting_currency_code, '?') || ' on '
            || cast(posting_date as varchar)) as missing
    from {{ ref('int_integration_journal_candidates') }}
    where exchange_rate is null
    group by work_order_line_id
)

select
    case lines.line_type when 'product' then 'msdyn_workorderproduct' else 'msdyn_workorderservice' end as table_name,
    lines._file_name as file_name,
    lines._row_number as row_number,
    lines.work_order_line_id as record_id,
    'no_exchange_rate' as reason_code,
    'no_exchange_rate: no exchange rate ' || waiting.missing || ', so its actuals wait for Finance (R24)' as reason,
    {{ adapter.dispatch('raw_row_json', 'fieldledger')([
        'lines.work_order_line_id', 'lines.work_order_id', 'lines.product_id', 'lines.line_status',
        'lines.version_number']) }} as raw_row
from waiting
inner join {{ ref('int_work_order_lines_current') }} as lines
    on waiting.work_order_line_id = lines.work_order_line_id
