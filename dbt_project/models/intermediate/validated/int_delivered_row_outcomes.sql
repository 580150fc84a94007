-- R4/I1: every delivered row that reached staging (landed, not a duplicate, parseable) with its outcome — rejected
-- (reject_reason, raw_row), accepted and current, or accepted and superseded — over every table of staged_tables(),
-- each read from the model that decides its outcome (a base_* model or an int_*_validated one). The one input of
-- rpt_rejected_rows, rpt_pipeline_reconciliation and I1, so the reports read the validated layer, not staging.
-- A view (a plain union all, as on Spark): it copies no rows and costs nothing to build on a daily run.
{{ config(materialized='view') }}
{%- for table_name, model in staged_tables() %}
select
    _table_name as table_name,
    _file_name as file_name,
    _row_number as row_number,
    _record_id as record_id,
    _load_id as load_id,
    reject_reason,
    raw_row,
    is_current
from {{ ref(model) }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
