-- I5: Σ billed sales actuals = Σ line details of confirmed invoices, per contract line and currency; and
-- Σ unbilled sales (net of every reversal) = Σ of the open backlog (not yet run + NTE failed + pending draft;
-- nothing stays invoiceable after the runs up to as_of_date). Returns the contract lines that do not reconcile.
{{ config(meta={'dagster': {'ref': {'name': 'rpt_unbilled_backlog'}}}) }}

with billed as (
    select contract_line_id, currency_code, sum(amount) as amount
    from {{ ref('fct_project_actuals') }}
    where transaction_type = 'billed_sales'
    group by all
),

invoiced as (
    select contract_line_id, currency_code, sum(amount) as amount
    from {{ ref('fct_invoice_line_details') }}
    where invoice_status = 'confirmed'
    group by all
),

unbilled as (
    select contract_line_id, currency_code, sum(amount) as amount
    from {{ ref('fct_project_actuals') }}
    where transaction_type = 'unbilled_sales' and billing_type = 'chargeable'
    group by all
),

backlog as (
    select contract_line_id, currency_code, sum(amount) as amount
    from {{ ref('rpt_unbilled_backlog') }}
    where item_kind = 'actual'
    group by all
)

select 'billed vs confirmed invoices' as check_name, coalesce(b.contract_line_id, i.contract_line_id) as contract_line_id,
    b.amount as left_amount, i.amount as right_amount
from billed as b
full outer join invoiced as i
    on b.contract_line_id = i.contract_line_id and b.currency_code = i.currency_code
where coalesce(b.amount, 0) <> coalesce(i.amount, 0)
union all
select 'net unbilled vs backlog', coalesce(u.contract_line_id, k.contract_line_id), u.amount, k.amount
from unbilled as u
full outer join backlog as k
    on u.contract_line_id = k.contract_line_id and u.currency_code = k.currency_code
where coalesce(u.amount, 0) <> coalesce(k.amount, 0)
