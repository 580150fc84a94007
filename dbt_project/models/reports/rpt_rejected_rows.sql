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
    {%- for table_name, model in staged_tables() %}
    select
        _table_name as table_name,
        _file_name as file_name,
        _row_number as row_number,
        _record_id as record_id,
        {{ reason_code('reject_reason') }} as reason_code,
        reject_reason as reason,
        raw_row,
        'staging' as stage,
        _load_id as load_id
    from {{ ref(model) }}
    where reject_reason is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
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
    {%- for table_name, model in staged_tables() %}
    select _table_name, _record_id, _file_name, _row_number, _load_id
    from {{ ref(model) }}
    where is_current and _record_id in (select record_id from later_stages where table_name = '{{ table_name }}')
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
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
    later_stage_landings._load_id as load_id
from later_stages
left join later_stage_landings
    on later_stages.table_name = later_stage_landings._table_name
    and later_stages.record_id = later_stage_landings._record_id
    and later_stages.file_name = later_stage_landings._file_name
    and later_stages.row_number = later_stage_landings._row_number
