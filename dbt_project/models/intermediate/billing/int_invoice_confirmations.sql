-- R22: the confirmation of every published proforma invoice. With auto_confirm_invoices, confirmed on its run
-- date; otherwise confirmed at the first `invoice` version that says Confirmed (or Paid). Not confirmed: draft,
-- keeping its items reserved.
-- depends_on: {{ ref('stg_project_operations__invoice_confirmation_versions') }}
with invoices as (
    select distinct invoice_id, run_date from {{ ref('int_invoice_line_details_recorded') }}
)
{% if setting('auto_confirm_invoices') %}
select
    invoice_id,
    'confirmed' as invoice_status,
    cast(run_date as timestamp) as confirmed_at,
    'auto_confirm_invoices' as confirmed_by
from invoices
{% else %}
, confirmations as (
    select invoice_id, min(modified_at) as confirmed_at
    from {{ ref('stg_project_operations__invoice_confirmation_versions') }}
    where invoice_status in ('confirmed', 'paid') and not is_deleted
    group by invoice_id
)

select
    invoices.invoice_id,
    case when confirmations.confirmed_at is not null then 'confirmed' else 'draft' end as invoice_status,
    greatest(confirmations.confirmed_at, cast(invoices.run_date as timestamp)) as confirmed_at,
    case when confirmations.confirmed_at is not null then 'invoice' end as confirmed_by
from invoices
left join confirmations
    on invoices.invoice_id = confirmations.invoice_id
{% endif %}
