-- One row per work order (current state): accounts, project, status, legal entity (R23: the service account's
-- company) and dates.
select
    work_orders.work_order_id,
    work_orders.work_order_number,
    work_orders.system_status,
    work_orders.is_deleted,
    work_orders.service_account_id,
    work_orders.billing_account_id,
    accounts.company_code as legal_entity,
    work_orders.project_id,
    work_orders.price_list_id,
    work_orders.currency_code,
    work_orders.created_at,
    work_orders.completed_at,
    work_orders.modified_at,
    work_orders.version_number
from {{ ref('int_work_orders_current') }} as work_orders
left join {{ ref('stg_field_service__accounts') }} as accounts
    on work_orders.service_account_id = accounts.account_id
