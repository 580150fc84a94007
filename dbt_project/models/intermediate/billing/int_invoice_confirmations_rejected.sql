-- R4 at the billing stage: `invoice` confirmations naming a proforma fieldledger never published (read only
-- when auto_confirm_invoices is off).
-- depends_on: {{ ref('stg_project_operations__invoice_confirmations') }}
{% if setting('auto_confirm_invoices') %}
select
    cast(null as varchar) as table_name,
    cast(null as varchar) as file_name,
    cast(null as bigint) as row_number,
    cast(null as varchar) as record_id,
    cast(null as varchar) as reason_code,
    cast(null as varchar) as reason,
    cast(null as varchar) as raw_row
where false
{% else %}
select
    'invoice' as table_name,
    confirmations._file_name as file_name,
    confirmations._row_number as row_number,
    confirmations.invoice_id as record_id,
    'unknown_reference' as reason_code,
    'unknown_reference: proforma invoice ''' || confirmations.invoice_id || ''' was never published by fieldledger'
        as reason,
    {{ adapter.dispatch('raw_row_json', 'fieldledger')([
        'confirmations.invoice_id', 'confirmations.invoice_status', 'confirmations.version_number']) }} as raw_row
from {{ ref('stg_project_operations__invoice_confirmations') }} as confirmations
left join (select distinct invoice_id from {{ ref('int_invoice_line_details_recorded') }}) as published
    on confirmations.invoice_id = published.invoice_id
where published.invoice_id is null and not confirmations.is_deleted
{% endif %}
