-- R1: the current version of each work order (highest versionnumber among accepted rows); deletions flagged.
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
    _file_name,
    _row_number
from {{ ref('int_work_orders_validated') }}
where is_current
