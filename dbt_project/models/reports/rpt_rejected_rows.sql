-- R4: one row per rejected input row — what was wrong (reason code and text), where (file and row) and what was
-- delivered (raw_row) — so that nothing is silently dropped. Rebuilt every run: a row whose reason went away
-- (the missing product arrived) is accepted again and leaves this report.
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
        '{{ stage }}' as stage,
        cast(null as bigint) as load_id
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from unparseable
union all
select * from staging
union all
select * from later_stages
