-- R24 append-only ledger of the Project Operations integration journal: one line per actual Finance receives,
-- in journals per legal entity and month of the accounting date, one voucher per line (numbered on from the
-- journal's last voucher), with the amount in transaction currency and in the legal entity's accounting currency
-- at the rate valid on the accounting date. A line without a rate waits (reported as no_exchange_rate).
-- SPEC §3.3: the accounting date is the date the line posts on — the actual's, or the first open date when the
-- actual's period is closed — and original_accounting_date the actual's own (NULL on lines recorded before it was
-- added: append_new_columns; they were never moved).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='append_new_columns',
) }}

with candidates as (
    select
        {{ star_exclude(ref('int_integration_journal_candidates'), ['accounting_date']) }},
        posting_date as accounting_date,
        accounting_date as original_accounting_date,
        {{ period_key('posting_date') }} as period
    from {{ ref('int_integration_journal_candidates') }}
    where exchange_rate is not null
    {% if is_incremental() %}
        and actual_id not in (select actual_id from {{ this }})
    {% endif %}
),

{% if is_incremental() %}
numbered_before as (
    select legal_entity, period, max(voucher_sequence) as last_sequence
    from {{ this }}
    group by legal_entity, period
),
{% else %}
numbered_before as (
    select cast(null as varchar) as legal_entity, cast(null as varchar) as period, cast(0 as bigint) as last_sequence
    where false
),
{% endif %}

numbered as (
    select
        candidates.*,
        coalesce(numbered_before.last_sequence, 0) + row_number() over (
            partition by candidates.legal_entity, candidates.period
            order by candidates.accounting_date, candidates.created_at, candidates.actual_id
        ) as voucher_sequence
    from candidates
    left join numbered_before
        on candidates.legal_entity = numbered_before.legal_entity
        and candidates.period = numbered_before.period
)

select
    {{ hash_id(['actual_id', "'integration'"]) }} as integration_line_id,
    {{ hash_id(['legal_entity', 'period']) }} as journal_id,
    'PIJ-' || legal_entity || '-' || replace(period, '-', '') as journal_number,
    'PIJ-' || legal_entity || '-' || replace(period, '-', '') || '-' || lpad(cast(voucher_sequence as varchar), 6, '0')
        as voucher,
    voucher_sequence,
    actual_id,
    legal_entity,
    accounting_date,
    period,
    transaction_date,
    transaction_type,
    reversal_reason,
    project_id,
    work_order_id,
    work_order_line_id,
    mul_id,
    contract_id,
    contract_line_id,
    customer_id,
    billing_type,
    line_type,
    product_id,
    project_category,
    posting_profile_id,
    accrues_revenue,
    cast(quantity as decimal(18, 4)) as quantity,
    cast(unit_price as decimal(18, 4)) as unit_price,
    cast(amount as decimal(18, 2)) as amount,
    currency_code,
    exchange_rate,
    {{ money('cast(amount as decimal(38, 2)) * exchange_rate') }} as amount_accounting,
    accounting_currency_code,
    created_at,
    original_accounting_date
from numbered
