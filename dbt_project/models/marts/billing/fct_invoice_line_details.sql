-- R21: one row per invoice line detail — an unbilled-sales actual (or, R18, the credit of a billed one) or a
-- milestone billed by an invoice run — traced back to its work order line.
select
    details.invoice_line_detail_id,
    details.invoice_id,
    details.invoice_line_id,
    details.invoice_number,
    details.contract_id,
    details.contract_line_id,
    details.customer_id,
    details.legal_entity,
    details.run_date,
    details.item_kind,
    details.actual_id,
    details.milestone_id,
    details.reverses_actual_id as credited_actual_id,
    actuals.mul_id,
    actuals.work_order_line_id,
    actuals.work_order_id,
    actuals.project_id,
    'billed_sales' as transaction_type,
    details.transaction_class,
    details.billing_type,
    details.quantity,
    details.unit_price,
    details.amount,
    details.currency_code,
    confirmations.invoice_status
from {{ ref('int_invoice_line_details_recorded') }} as details
inner join {{ ref('int_invoice_confirmations') }} as confirmations
    on details.invoice_id = confirmations.invoice_id
left join {{ ref('int_project_actuals_recorded') }} as actuals
    on details.actual_id = actuals.actual_id
