-- SPEC §2 as_of_date default: the date of the latest modifiedon among the accepted row versions of the
-- transactional tables (a rejected row — a typo'd future year is future_date, R4 — never moves it). One row, with
-- the effective as_of_date of this run (the as_of_date setting when given) and the run clock of the future_date
-- check, for the run summary.
{%- set setting_value = setting('as_of_date') %}
with latest as (
    select max(as_of_date) as as_of_date
    from (
        select max(cast(modified_at as date)) as as_of_date from {{ ref('int_work_order_versions') }}
        union all
        select max(cast(modified_at as date)) from {{ ref('int_work_order_product_versions') }}
        union all
        select max(cast(modified_at as date)) from {{ ref('int_work_order_service_versions') }}
        union all
        select max(cast(modified_at as date)) from {{ ref('int_milestone_versions') }}
    ) as per_table
)

select
    as_of_date,
    {% if setting_value -%}
    cast('{{ setting_value }}' as date) as effective_as_of_date,
    'the as_of_date setting' as as_of_date_source,
    {%- else -%}
    as_of_date as effective_as_of_date,
    'the latest accepted modifiedon' as as_of_date_source,
    {%- endif %}
    cast('{{ run_clock().strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as run_clock
from latest
