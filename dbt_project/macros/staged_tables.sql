{#- Every table of SPEC §1.2 and the model that decides its R4 outcome (a staging base model or a validated one).
    The one list int_delivered_row_outcomes walks; rpt_rejected_rows, rpt_pipeline_reconciliation and I1 read it. -#}
{% macro staged_tables() -%}
    {{ return([
        ('account', 'base_field_service__accounts'),
        ('product', 'base_field_service__products'),
        ('uom', 'base_field_service__units'),
        ('msdyn_workorder', 'int_work_orders_validated'),
        ('msdyn_workorderproduct', 'int_work_order_products_validated'),
        ('msdyn_workorderservice', 'int_work_order_services_validated'),
        ('pricelevel', 'base_field_service__price_lists'),
        ('productpricelevel', 'int_price_list_items_validated'),
        ('msdyn_fieldservicepricelistitem', 'int_field_service_price_list_items_validated'),
        ('msdyn_organizationalunit', 'base_project_operations__organizational_units'),
        ('msdyn_projectpricelist', 'int_project_price_lists_validated'),
        ('msdyn_project', 'int_projects_validated'),
        ('salesorder', 'int_contracts_validated'),
        ('salesorderdetail', 'int_contract_lines_validated'),
        ('msdyn_contractlinescheduleofvalue', 'int_milestones_validated'),
        ('msdyn_projectapproval', 'base_project_operations__approvals'),
        ('invoice', 'base_project_operations__invoice_confirmations'),
        ('cdm_company', 'base_finance__companies'),
        ('exchangerate', 'base_finance__exchange_rates'),
        ('taxgroup', 'base_finance__tax_groups'),
        ('posting_profiles', 'base_config_overrides__posting_profiles'),
        ('main_accounts', 'base_config_overrides__main_accounts'),
        ('project_categories', 'base_config_overrides__project_categories'),
        ('closed_periods', 'base_config_overrides__closed_periods'),
    ]) }}
{%- endmacro %}
