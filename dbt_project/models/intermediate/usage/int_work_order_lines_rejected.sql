-- R4 at the engine stage: current work order lines that are valid rows but cannot go on — used on a work
-- order without a project (R7, work_order_without_project), or held back (ambiguous_contract_line,
-- ambiguous_price_list) — and approvals naming a MUL fieldledger never published. Rebuilt every run, so a
-- line leaves this list once the cause is fixed.
-- depends_on: {{ ref('stg_project_operations__approvals') }}
with current_lines as (
    select
        lines.*,
        work_orders.project_id,
        work_orders.system_status,
        work_orders.is_deleted as work_order_is_deleted
    from {{ ref('int_work_order_lines_current') }} as lines
    inner join {{ ref('int_work_orders_current') }} as work_orders
        on lines.work_order_id = work_orders.work_order_id
),

without_project as (
    select
        work_order_line_id,
        'work_order_without_project' as reason_code,
        'work_order_without_project: work order ' || work_order_id
            || ' has no project, so its used line produces nothing (R7)' as reason
    from current_lines
    where line_status = 'used' and not is_deleted and not work_order_is_deleted
        and system_status <> 'canceled' and project_id is null
),

held_back as (
    select
        priced.work_order_line_id,
        priced.hold_reason as reason_code,
        priced.hold_reason || ': revision ' || cast(priced.revision as varchar) || ' on project '
            || priced.project_id || case priced.hold_reason
                when 'ambiguous_contract_line' then ' has more than one contract line that includes materials (R8)'
                when 'company_mismatch' then ': the service account belongs to ' || coalesce(priced.legal_entity, '?')
                    || ', the contract to ' || coalesce(priced.contract_company_code, '?') || ' (R23)'
                else ' has more than one effective sales price list on the contract (R12)'
            end as reason
    from {{ ref('int_material_usage_logs_priced') }} as priced
    inner join (
        select work_order_line_id, max(revision) as revision
        from {{ ref('int_line_revisions_recorded') }}
        group by work_order_line_id
    ) as latest
        on priced.work_order_line_id = latest.work_order_line_id
        and priced.revision = latest.revision
    where priced.hold_reason is not null
),

line_rejections as (
    select * from without_project
    union all
    select * from held_back
)

select
    case current_lines.line_type when 'product' then 'msdyn_workorderproduct' else 'msdyn_workorderservice' end
        as table_name,
    current_lines._file_name as file_name,
    current_lines._row_number as row_number,
    current_lines.work_order_line_id as record_id,
    line_rejections.reason_code,
    line_rejections.reason,
    -- the accepted row's values (its delivered text is in raw); engine-stage rejections are valid rows
    {{ adapter.dispatch('raw_row_json', 'fieldledger')([
        'current_lines.work_order_line_id', 'current_lines.work_order_id', 'current_lines.product_id',
        'current_lines.line_status', 'current_lines.version_number', 'current_lines.cost_quantity',
        'current_lines.quantity_to_bill', 'current_lines.duration_to_bill_minutes', 'current_lines.project_id']) }}
        as raw_row
from line_rejections
inner join current_lines
    on line_rejections.work_order_line_id = current_lines.work_order_line_id
{% if not setting('auto_approve') %}
union all
select
    'msdyn_projectapproval',
    approvals._file_name,
    approvals._row_number,
    approvals.approval_id,
    'unknown_reference',
    'unknown_reference: material usage log ''' || approvals.mul_id || ''' was never published by fieldledger',
    {{ adapter.dispatch('raw_row_json', 'fieldledger')([
        'approvals.approval_id', 'approvals.mul_id', 'approvals.record_stage', 'approvals.version_number']) }}
from {{ ref('stg_project_operations__approvals') }} as approvals
left join {{ ref('int_material_usage_logs_recorded') }} as muls
    on approvals.mul_id = muls.mul_id
where muls.mul_id is null and not approvals.is_deleted
{% endif %}
