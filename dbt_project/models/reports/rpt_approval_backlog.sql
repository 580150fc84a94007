-- R17: MULs waiting for a decision in msdyn_projectapproval (only when auto_approve is off), oldest first, with
-- the amounts at stake and their age at as_of_date.
select
    muls.mul_id,
    muls.work_order_line_id,
    muls.revision,
    muls.work_order_id,
    muls.project_id,
    muls.contract_line_id,
    muls.usage_date,
    muls.recorded_at,
    muls.cost_amount,
    muls.sales_amount,
    muls.approval_status,
    {{ days_between('muls.usage_date', as_of_date_sql()) }} as age_days
from {{ ref('fct_material_usage_logs') }} as muls
where muls.approval_status = 'pending'
