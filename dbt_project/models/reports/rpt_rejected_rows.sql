-- R4: one row per rejected input row — what was wrong (reason code and text), where (landing, file and row) and
-- what was delivered (raw_row) — so that nothing is silently dropped. Rebuilt every run: a row whose reason went
-- away (the missing product arrived) is accepted again and leaves this report. A file delivered again under the
-- same name gives rows with the same file name and row number: load_id tells them apart.
with unparseable as (
    select
        table_name,
        file_name,
        row_number,
        record_id,
        'unparseable_row' as reason_code,
        'unparseable_row: ' || parse_error as reason,
        raw_line as raw_row,
        'landing' as stage,
        load_id
    from {{ ref('stg_landing__unparseable_rows') }}
),

staging as (
    select
        table_name,
        file_name,
        row_number,
        record_id,
        {{ reason_code('reject_reason') }} as reason_code,
        reject_reason as reason,
        raw_row,
        'staging' as stage,
        load_id
    from {{ ref('int_delivered_row_outcomes') }}
    where reject_reason is not null
),

later_stages as (
    -- valid rows that cannot go on: engine (R7, R8, R12, R23), billing (unknown proforma), finance (R24)
    {%- for stage, model in [('engine', 'int_work_order_lines_rejected'),
                             ('billing', 'int_invoice_confirmations_rejected'),
                             ('finance', 'int_finance_lines_rejected')] %}
    select
        table_name,
        file_name,
        row_number,
        record_id,
        reason_code,
        reason,
        raw_row,
        '{{ stage }}' as stage
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

later_stage_landings as (
    -- later stages reject current accepted rows: the landing of that row
    select table_name, record_id, file_name, row_number, load_id
    from {{ ref('int_delivered_row_outcomes') }}
    where is_current and record_id in (select record_id from later_stages)
)

select * from unparseable
union all
select * from staging
union all
select
    later_stages.table_name,
    later_stages.file_name,
    later_stages.row_number,
    later_stages.record_id,
    later_stages.reason_code,
    later_stages.reason,
    later_stages.raw_row,
    later_stages.stage,
    later_stage_landings.load_id
from later_stages
left join later_stage_landings
    on later_stages.table_name = later_stage_landings.table_name
    and later_stages.record_id = later_stage_landings.record_id
    and later_stages.file_name = later_stage_landings.file_name
    and later_stages.row_number = later_stage_landings.row_number
