-- R1/R4: every accepted row version of work orders (rejected rows are in rpt_rejected_rows).
select
    work_order_id,
    service_account_id,
    billing_account_id,
    price_list_id,
    project_id,
    project_task_id,
    work_order_number,
    currency_code,
    system_status,
    version_number,
    is_deleted,
    created_at,
    completed_at,
    modified_at,
    is_current as is_current_version,
    _file_name,
    _row_number
from {{ ref('int_work_orders_validated') }}
where reject_reason is null
