-- SPEC §3.3: the closed periods of every legal entity — every calendar month up to the month of the latest of its
-- own closed_periods row, the * row (all legal entities) and the closed_through setting; the first day after them
-- is the first open date, where a late item posts (macro posting_date). One row per legal entity with a closed
-- period; none closed → no row.
with closures as (
    select
        companies.company_code as legal_entity,
        greatest(own.closed_through, every_entity.closed_through, {{ closed_through_sql() }}) as closed_through,
        case
            when {{ closed_through_sql() }} is not null
                and {{ closed_through_sql() }} >= coalesce(greatest(own.closed_through, every_entity.closed_through),
                    {{ closed_through_sql() }})
                then 'setting closed_through'
            when own.closed_through >= coalesce(every_entity.closed_through, own.closed_through)
                then 'closed_periods (' || own.defined_in || ', ' || own.legal_entity || ')'
            else 'closed_periods (' || every_entity.defined_in || ', *)'
        end as closed_by
    from {{ ref('stg_finance__companies') }} as companies
    left join {{ ref('stg_config_overrides__closed_periods') }} as own
        on companies.company_code = own.legal_entity
    left join {{ ref('stg_config_overrides__closed_periods') }} as every_entity
        on every_entity.legal_entity = '*'
)

select
    legal_entity,
    closed_through,
    {{ period_key('closed_through') }} as closed_through_period,
    cast(date_trunc('month', closed_through) + interval 1 month as date) as first_open_date,
    closed_by
from closures
where closed_through is not null
