-- R16: MUL submission creates journal lines — always one cost line; plus one unbilled-sales line when the
-- contract line bills time and material and the line is chargeable; fixed price lines get cost only.
with muls as (
    select * from {{ ref('int_material_usage_logs_recorded') }}
),

lines as (
    select
        {{ hash_id(['mul_id', "'cost'"]) }} as journal_line_id,
        mul_id,
        'cost' as transaction_type,
        cost_quantity as quantity,
        unit_cost as unit_price,
        cost_amount as amount,
        cost_currency_code as currency_code
    from muls
    union all
    select
        {{ hash_id(['mul_id', "'unbilled_sales'"]) }},
        mul_id,
        'unbilled_sales',
        sales_quantity,
        unit_price,
        sales_amount,
        sales_currency_code
    from muls
    where billing_method = 'time_and_material' and billing_type = 'chargeable'
)

select
    lines.journal_line_id,
    lines.mul_id,
    lines.transaction_type,
    cast(lines.quantity as decimal(18, 4)) as quantity,
    cast(lines.unit_price as decimal(18, 4)) as unit_price,
    cast(lines.amount as decimal(18, 2)) as amount,
    lines.currency_code,
    approvals.approval_status,
    approvals.decided_at
from lines
inner join {{ ref('int_material_usage_log_approvals') }} as approvals
    on lines.mul_id = approvals.mul_id
