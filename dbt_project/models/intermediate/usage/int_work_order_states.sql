-- The versions of each work order that change what its lines are worth (R15): project, cancellation, deletion,
-- accounts and price list. A version that changes none of these (a status step, a rename) is no event.
with versions as (
    select
        work_order_id,
        version_number,
        modified_at,
        project_id,
        service_account_id,
        billing_account_id,
        price_list_id,
        currency_code,
        cast(created_at as date) as created_date,
        system_status = 'canceled' as is_canceled,
        is_deleted,
        {{ hash_id(['project_id', 'service_account_id', 'billing_account_id', 'price_list_id',
                    "system_status = 'canceled'", 'is_deleted']) }} as money_fields_hash
    from {{ ref('int_work_order_versions') }}
),

ordered as (
    select
        *,
        lag(money_fields_hash) over (partition by work_order_id order by modified_at, version_number)
            as previous_money_fields_hash
    from versions
)

select
    work_order_id,
    version_number,
    modified_at,
    project_id,
    service_account_id,
    billing_account_id,
    price_list_id,
    currency_code,
    created_date,
    is_canceled,
    is_deleted
from ordered
where previous_money_fields_hash is null or previous_money_fields_hash <> money_fields_hash
