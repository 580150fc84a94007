-- R10: the estimate lines as published (int_estimate_lines; contract in _projects__models.yml).
select
    estimate_line_id,
    work_order_line_id,
    work_order_id,
    project_id,
    product_id,
    unit_id,
    line_type,
    transaction_type,
    transaction_class,
    pricing_date,
    quantity,
    unit_price,
    amount,
    price_source,
    currency_code
from {{ ref('int_estimate_lines') }}
