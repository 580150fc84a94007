-- The speed limit of the engine: the logic of models/intermediate/{usage,pricing,projects,approvals,actuals} and
-- marts/projects in one script, on the typed tables of 01_landing_staging.sql, with the default settings
-- (prices and costs calculated in Field Service, auto-approve, finance integration on). A fresh build: nothing
-- recorded before, so the ledgers are plain tables. Persisted (as dbt persists them): revisions, MULs, journal
-- lines, actuals, NTE statuses, estimate lines; everything else is a temp table.
--
-- Same results as the dbt models, computed more directly:
--   * the revision timeline (DESIGN-NOTES §2) orders events by the tuple (modifiedon, source, versionnumber)
--     instead of a formatted text key, and carries the latest line and work order version forward as structs
--     (one window pass, no join back to the versions); state hashes use DuckDB's hash() instead of md5 text;
--   * the next revision of an actual's line is revision + 1 (revisions are numbered 1..n per line) — an equi-join
--     instead of min() over a `later.revision > revision` join;
--   * the service's field-service item: product row, else blank-product row, by two joins instead of a ranking.
-- Left out: the unparseable/rejected-line report (int_work_order_lines_rejected), the dimension marts
-- (marts/core: small current-state copies), provenance and bookkeeping columns (event/version numbers, rounded
-- minutes), and NTE is approximated by a running sum per contract line and contract (the dbt model is a
-- sequential Python loop in which a failed item adds nothing, so a later smaller item may still fit).

-- work order lines: products and services in one shape (int_work_order_line_versions)
create or replace temp table line_versions as
with unioned as (
    select
        work_order_product_id as line_id, 'product' as line_type, work_order_id, product_id, unit_id, price_list_id,
        line_status, version_number, modified_at, is_deleted, is_current, estimate_quantity,
        quantity as cost_quantity, coalesce(quantity_to_bill, quantity) as quantity_to_bill,
        cast(null as decimal(18, 4)) as duration_to_bill_minutes, manual_unit_price, manual_unit_cost,
        discount_percent, additional_cost, commission_costs
    from work_order_products
    where is_valid
    union all
    select
        work_order_service_id, 'service', work_order_id, product_id, unit_id, price_list_id,
        line_status, version_number, modified_at, is_deleted, is_current,
        cast(round(cast(estimate_duration_minutes / 60 as decimal(38, 10)), 4) as decimal(18, 4)),
        cast(round(cast(duration_minutes / 60 as decimal(38, 10)), 4) as decimal(18, 4)),
        cast(null as decimal(18, 4)), coalesce(duration_to_bill_minutes, duration_minutes),
        manual_unit_price, manual_unit_cost, discount_percent, additional_cost, commission_costs
    from work_order_services
    where is_valid
)

select * replace (
    coalesce(work_order_id, max(work_order_id) over (partition by line_id)) as work_order_id,
    coalesce(product_id, max(product_id) over (partition by line_id)) as product_id
)
from unioned;

-- the work order versions that change what its lines are worth (int_work_order_states)
create or replace temp table work_order_states as
select * exclude (state_hash, previous_hash)
from (
    select
        work_order_id, version_number, modified_at, project_id, service_account_id, billing_account_id,
        price_list_id, currency_code, system_status = 'canceled' as is_canceled, is_deleted,
        hash(project_id, service_account_id, billing_account_id, price_list_id, system_status = 'canceled',
            is_deleted) as state_hash,
        lag(hash(project_id, service_account_id, billing_account_id, price_list_id, system_status = 'canceled',
            is_deleted)) over (partition by work_order_id order by modified_at, version_number) as previous_hash
    from work_orders
    where is_valid
)
where previous_hash is null or previous_hash <> state_hash;

-- R15 revision timeline: events of a line (its versions, its work order's states), the latest of each carried
-- forward, the money state hashed; a revision starts where the hash changes (int_work_order_line_events,
-- int_line_revisions_recorded)
create or replace table revisions as
with line_work_orders as (
    select distinct line_id, work_order_id from line_versions
),

events as (
    select
        line_id, work_order_id, modified_at as event_at, 1 as source_rank, version_number,
        {
            'line_type': line_type, 'product_id': product_id, 'unit_id': unit_id, 'price_list_id': price_list_id,
            'is_used': line_status = 'used', 'is_deleted': is_deleted,
            'cost_quantity': coalesce(cost_quantity, 0), 'quantity_to_bill': coalesce(quantity_to_bill, 0),
            'duration_to_bill_minutes': coalesce(duration_to_bill_minutes, 0),
            'manual_unit_price': manual_unit_price, 'manual_unit_cost': manual_unit_cost,
            'discount_percent': coalesce(discount_percent, 0), 'additional_cost': coalesce(additional_cost, 0),
            'commission_costs': coalesce(commission_costs, 0)
        } as line,
        cast(null as struct(
            project_id varchar, service_account_id varchar, billing_account_id varchar,
            price_list_id varchar, currency_code varchar, is_canceled boolean, is_deleted boolean)) as work_order,
        case when line_status = 'used' then modified_at end as used_at
    from line_versions
    union all
    select
        lines.line_id, lines.work_order_id, states.modified_at, 0, states.version_number, null,
        {
            'project_id': states.project_id,
            'service_account_id': states.service_account_id, 'billing_account_id': states.billing_account_id,
            'price_list_id': states.price_list_id, 'currency_code': states.currency_code,
            'is_canceled': states.is_canceled, 'is_deleted': states.is_deleted
        },
        null
    from line_work_orders as lines
    inner join work_order_states as states
        on lines.work_order_id = states.work_order_id
),

carried as (
    select
        line_id, work_order_id, event_at, source_rank, version_number,
        last_value(line ignore nulls) over timeline as line,
        last_value(work_order ignore nulls) over timeline as work_order,
        min(used_at) over timeline as first_used_at
    from events
    window timeline as (
        partition by line_id order by event_at, source_rank, version_number
        rows between unbounded preceding and current row
    )
),

stated as (
    select
        *,
        case when coalesce(line.is_used and not line.is_deleted and work_order.project_id is not null
                and not work_order.is_canceled and not work_order.is_deleted, false)
            then hash(work_order.project_id, line.product_id, line.unit_id,
                coalesce(line.price_list_id, work_order.price_list_id), work_order.service_account_id,
                work_order.billing_account_id, line.cost_quantity, line.quantity_to_bill,
                line.duration_to_bill_minutes, line.manual_unit_price, line.manual_unit_cost, line.discount_percent,
                line.additional_cost, line.commission_costs)
        end as state_hash
    from carried
),

changes as (
    select *
    from (
        select
            *,
            lag(state_hash) over (partition by line_id order by event_at, source_rank, version_number)
                as previous_hash
        from stated
    ) as compared
    where state_hash is distinct from previous_hash
),

numbered as (
    select *, row_number() over (partition by line_id order by event_at, source_rank, version_number) as revision
    from changes
)

select
    md5(concat_ws('|', line_id, revision)) as revision_id,
    line_id,
    revision,
    line.line_type,
    work_order_id,
    event_at as effective_at,
    state_hash is not null as is_usage,
    work_order.project_id,
    line.product_id,
    line.unit_id,
    coalesce(line.price_list_id, work_order.price_list_id) as price_list_id,
    work_order.service_account_id,
    cast(first_used_at as date) as usage_date,
    line.cost_quantity,
    line.quantity_to_bill,
    line.duration_to_bill_minutes,
    line.manual_unit_price,
    line.manual_unit_cost,
    line.discount_percent,
    line.additional_cost,
    line.commission_costs
from numbered;

-- R7–R9: each project's contract and its one material contract line (int_projects_contract_lines)
create or replace temp table project_contracts as
with material_lines as (
    select
        projects.project_id,
        count(lines.contract_line_id) as material_line_count,
        min(lines.contract_line_id) as first_material_line_id
    from projects
    left join contract_lines as lines
        on lines.project_id = projects.project_id
        and lines.includes_materials
        and (projects.contract_id is null or lines.contract_id = projects.contract_id)
    group by projects.project_id
)

select
    projects.project_id,
    projects.contracting_unit_id,
    units.cost_currency_code,
    coalesce(projects.contract_id, lines.contract_id) as contract_id,
    coalesce(contracts.customer_id, projects.customer_id) as customer_id,
    contracts.company_code as contract_company_code,
    coalesce(contracts.currency_code, projects.currency_code) as contract_currency_code,
    material_lines.material_line_count,
    case when material_lines.material_line_count = 1 then lines.contract_line_id end as contract_line_id,
    case when material_lines.material_line_count = 1 then lines.billing_method end as billing_method,
    case
        when material_lines.material_line_count = 1 then 'chargeable'
        when material_lines.material_line_count = 0 then 'not_available'
    end as billing_type
from projects
inner join material_lines on projects.project_id = material_lines.project_id
left join contract_lines as lines on material_lines.first_material_line_id = lines.contract_line_id
left join contracts on coalesce(projects.contract_id, lines.contract_id) = contracts.contract_id
left join organizational_units as units on projects.contracting_unit_id = units.organizational_unit_id;

-- R10–R14: what must be priced (usage revisions at their usage date, current estimates at the work order's
-- creation date), priced once: sales list effective on the date (range join), its item, pricing method; cost
-- (int_pricing_requests, int_sales_prices_resolved, int_cost_prices_resolved)
create or replace temp table priced_requests as
with requests as (
    select
        revision_id as request_id, 'usage' as request_kind, line_id, line_type, usage_date as pricing_date,
        product_id, unit_id, price_list_id, project_id, manual_unit_price, manual_unit_cost,
        cast(null as decimal(18, 4)) as estimate_quantity, cast(null as varchar) as work_order_id
    from revisions
    where is_usage
    union all
    select
        md5(concat_ws('|', lines.line_id, 'estimate')), 'estimate', lines.line_id, lines.line_type,
        cast(work_orders.created_at as date), lines.product_id, lines.unit_id,
        coalesce(lines.price_list_id, work_orders.price_list_id), work_orders.project_id, lines.manual_unit_price,
        lines.manual_unit_cost, lines.estimate_quantity, lines.work_order_id
    from line_versions as lines
    inner join work_orders
        on lines.work_order_id = work_orders.work_order_id and work_orders.is_current
    where lines.is_current and not lines.is_deleted and not work_orders.is_deleted
        and work_orders.system_status <> 'canceled' and work_orders.project_id is not null
        and lines.estimate_quantity > 0
),

sales_lists as (
    select * from price_lists where price_list_context = 'sales'
),

items as (
    select *
    from price_list_items
    qualify row_number() over (partition by price_list_id, product_id, unit_id order by price_list_item_id) = 1
)

select
    requests.*,
    coalesce(requests.unit_id, products.default_unit_id) as priced_unit_id,
    projects.cost_currency_code,
    projects.contract_currency_code,
    case
        when requests.manual_unit_price is not null then 'manual'
        when items.price_list_item_id is not null then 'price_list'
        else 'product_list_price'
    end as price_source,
    case when requests.manual_unit_price is null and items.price_list_item_id is not null
        then sales_lists.price_list_id end as price_list_id_used,
    cast(case
        when requests.manual_unit_price is not null then requests.manual_unit_price
        when items.pricing_method = 'currency_amount' then items.price_amount
        when items.pricing_method = 'markup_current_cost' then round(cast(coalesce(products.current_cost, 0)
            * (1 + coalesce(items.markup_percent, 0) * 0.01) as decimal(38, 10)), 4)
        when items.pricing_method = 'markup_standard_cost' then round(cast(coalesce(products.standard_cost, 0)
            * (1 + coalesce(items.markup_percent, 0) * 0.01) as decimal(38, 10)), 4)
        else coalesce(products.list_price, 0)
    end as decimal(18, 4)) as unit_price,
    case
        when requests.manual_unit_cost is not null then 'manual'
        when products.current_cost is not null then 'product_current_cost'
        else 'none'
    end as cost_source,
    cast(coalesce(requests.manual_unit_cost, products.current_cost, 0) as decimal(18, 4)) as unit_cost
from requests
left join products on requests.product_id = products.product_id
left join project_contracts as projects on requests.project_id = projects.project_id
left join sales_lists
    on requests.price_list_id = sales_lists.price_list_id
    and requests.pricing_date between coalesce(sales_lists.valid_from, date '0001-01-01')
        and coalesce(sales_lists.valid_to, date '9999-12-31')
left join items
    on sales_lists.price_list_id = items.price_list_id
    and requests.product_id = items.product_id
    and coalesce(requests.unit_id, products.default_unit_id) = items.unit_id;

-- R13: billable duration of used service revisions — rounding, free minimum minutes, flat fee, minimum charge
-- (int_service_billable_durations)
create or replace temp table service_durations as
with items as (
    select
        price_list_id, product_id,
        {
            'rounding_policy': rounding_policy, 'rounding_to_minutes': rounding_to_minutes,
            'minimum_charge_minutes': minimum_charge_minutes, 'minimum_charge_amount': minimum_charge_amount,
            'is_flat_fee': is_flat_fee
        } as item
    from field_service_price_list_items
    qualify row_number() over (partition by price_list_id, product_id) = 1
),

matched as (
    select
        revisions.revision_id,
        revisions.duration_to_bill_minutes as minutes,
        coalesce(for_product.item, for_list.item) as item
    from revisions
    left join items as for_product
        on revisions.price_list_id = for_product.price_list_id and revisions.product_id = for_product.product_id
    left join items as for_list
        on revisions.price_list_id = for_list.price_list_id and for_list.product_id is null
    where revisions.is_usage and revisions.line_type = 'service'
),

rounded as (
    select
        *,
        cast(case
            when item.rounding_policy = 'up' then ceil(minutes / item.rounding_to_minutes) * item.rounding_to_minutes
            when item.rounding_policy = 'down'
                then floor(minutes / item.rounding_to_minutes) * item.rounding_to_minutes
            when item.rounding_policy = 'nearest'
                then floor(minutes / item.rounding_to_minutes + 0.5) * item.rounding_to_minutes
            else minutes
        end as decimal(18, 4)) as rounded_minutes
    from matched
)

select
    revision_id,
    case
        when coalesce(item.is_flat_fee, false) then cast(1 as decimal(18, 4))
        else cast(round(cast(greatest(rounded_minutes - coalesce(item.minimum_charge_minutes, 0), 0) / 60
            as decimal(38, 10)), 4) as decimal(18, 4))
    end as sales_quantity,
    cast(coalesce(item.minimum_charge_amount, 0) as decimal(18, 2)) as minimum_charge_amount
from rounded;

-- R15: one MUL per usage revision that is not held back, priced and costed (int_material_usage_logs_priced,
-- int_material_usage_logs_recorded)
create or replace table muls as
with priced as (
    select
        revisions.revision_id as mul_id,
        revisions.line_id,
        revisions.revision,
        revisions.line_type,
        revisions.work_order_id,
        revisions.project_id,
        projects.contract_id,
        projects.contract_line_id,
        projects.customer_id,
        projects.billing_method,
        coalesce(projects.billing_type, 'not_available') as billing_type,
        accounts.company_code as legal_entity,
        revisions.product_id,
        requests.priced_unit_id as unit_id,
        revisions.usage_date,
        revisions.effective_at,
        revisions.cost_quantity,
        requests.unit_cost,
        cast(round(revisions.cost_quantity * requests.unit_cost, 2) as decimal(18, 2))
            + revisions.additional_cost + revisions.commission_costs as cost_amount,
        projects.cost_currency_code,
        case when revisions.line_type = 'service' then services.sales_quantity else revisions.quantity_to_bill
        end as sales_quantity,
        requests.unit_price,
        revisions.discount_percent,
        coalesce(services.minimum_charge_amount, 0) as minimum_charge_amount,
        projects.contract_currency_code as sales_currency_code,
        requests.price_source,
        requests.price_list_id_used as price_list_id,
        requests.cost_source,
        case
            when projects.material_line_count > 1 then 'ambiguous_contract_line'
            when accounts.company_code is distinct from projects.contract_company_code
                and projects.contract_id is not null then 'company_mismatch'
        end as hold_reason
    from revisions
    inner join priced_requests as requests on revisions.revision_id = requests.request_id
    left join service_durations as services on revisions.revision_id = services.revision_id
    left join project_contracts as projects on revisions.project_id = projects.project_id
    left join accounts on revisions.service_account_id = accounts.account_id
    where revisions.is_usage
)

select
    * exclude (hold_reason),
    cast(round(sales_quantity * unit_price * (1 - discount_percent * 0.01), 2) as decimal(18, 2))
        + minimum_charge_amount as sales_amount
from priced
where hold_reason is null;

-- R16–R17: journal lines — cost always, unbilled sales for chargeable T&M; auto-approved
-- (int_project_journal_lines, fct_project_journal_lines)
create or replace table journal_lines as
select
    md5(concat_ws('|', mul_id, 'cost')) as journal_line_id, mul_id, 'cost' as transaction_type,
    cost_quantity as quantity, unit_cost as unit_price, cost_amount as amount, cost_currency_code as currency_code,
    'approved' as approval_status, effective_at as decided_at
from muls
union all
select
    md5(concat_ws('|', mul_id, 'unbilled_sales')), mul_id, 'unbilled_sales', sales_quantity, unit_price,
    sales_amount, sales_currency_code, 'approved', effective_at
from muls
where billing_method = 'time_and_material' and billing_type = 'chargeable';

-- R17–R18: actuals — one per approved journal line, and one reversal per actual when a later revision of its
-- line exists, dated at that revision (int_project_actuals_recorded)
create or replace table actuals as
with originals as (
    select
        md5(concat_ws('|', journal.journal_line_id, 'actual')) as actual_id,
        journal.journal_line_id, journal.mul_id, muls.line_id, muls.revision, muls.work_order_id, muls.project_id,
        muls.contract_id, muls.contract_line_id, muls.customer_id, muls.legal_entity, journal.transaction_type,
        muls.billing_type, muls.billing_method, journal.quantity, journal.unit_price, journal.amount,
        journal.currency_code, muls.usage_date, journal.decided_at as created_at
    from journal_lines as journal
    inner join muls on journal.mul_id = muls.mul_id
)

select
    actual_id, journal_line_id, mul_id, line_id, revision, work_order_id, project_id, contract_id,
    contract_line_id, customer_id, legal_entity, transaction_type, billing_type, billing_method,
    cast(null as varchar) as reverses_actual_id, cast(null as varchar) as reversal_reason, quantity, unit_price,
    amount, currency_code, usage_date as transaction_date, usage_date as accounting_date, created_at
from originals
union all
select
    md5(concat_ws('|', originals.actual_id, 'reversal')), originals.journal_line_id, originals.mul_id,
    originals.line_id, originals.revision, originals.work_order_id, originals.project_id, originals.contract_id,
    originals.contract_line_id, originals.customer_id, originals.legal_entity, originals.transaction_type,
    originals.billing_type, originals.billing_method, originals.actual_id, 'line_change', -originals.quantity,
    originals.unit_price, -originals.amount, originals.currency_code, originals.usage_date,
    cast(greatest(originals.created_at, later.effective_at) as date),
    greatest(originals.created_at, later.effective_at)
from originals
inner join revisions as later
    on originals.line_id = later.line_id and later.revision = originals.revision + 1;

-- R19 not-to-exceed, approximated (see the header): running total in (usage date, creation, id) order
create or replace table nte_statuses as
with unbilled as (
    select
        actuals.actual_id, actuals.reverses_actual_id, actuals.contract_line_id, actuals.contract_id,
        actuals.amount, actuals.transaction_date, actuals.created_at,
        lines.not_to_exceed_limit as line_limit, contracts.not_to_exceed_limit as contract_limit
    from actuals
    left join contract_lines as lines on actuals.contract_line_id = lines.contract_line_id
    left join contracts on actuals.contract_id = contracts.contract_id
    where actuals.transaction_type = 'unbilled_sales'
)

select
    actual_id,
    case
        when line_limit is null and contract_limit is null then 'not_applicable'
        when reverses_actual_id is not null then 'committed'
        when sum(amount) over (partition by contract_line_id order by transaction_date, created_at, actual_id)
                > coalesce(line_limit, 9e15)
            or sum(amount) over (partition by contract_id order by transaction_date, created_at, actual_id)
                > coalesce(contract_limit, 9e15)
            then 'failed'
        else 'committed'
    end as nte_status
from unbilled;

-- R10: estimate lines, one cost and one sales line per current line with an estimate (fct_estimate_lines)
create or replace table estimate_lines as
select
    md5(concat_ws('|', line_id, 'estimate', 'cost')) as estimate_line_id, line_id, work_order_id, project_id,
    product_id, priced_unit_id as unit_id, line_type, 'cost' as transaction_type, pricing_date,
    estimate_quantity as quantity, unit_cost as unit_price,
    cast(round(estimate_quantity * unit_cost, 2) as decimal(18, 2)) as amount, cost_currency_code as currency_code
from priced_requests
where request_kind = 'estimate'
union all
select
    md5(concat_ws('|', line_id, 'estimate', 'sales')), line_id, work_order_id, project_id, product_id,
    priced_unit_id, line_type, 'sales', pricing_date, estimate_quantity, unit_price,
    cast(round(estimate_quantity * unit_price, 2) as decimal(18, 2)), contract_currency_code
from priced_requests
where request_kind = 'estimate';
