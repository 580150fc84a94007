-- R25: the cost and revenue profile of every contract line — the profile for its contract, else for its
-- project's group, else the default of its billing method.
with lines as (
    select
        lines.contract_line_id,
        lines.contract_id,
        lines.billing_method,
        projects.project_group
    from {{ ref('int_contract_lines_current') }} as lines
    left join {{ ref('int_projects_current') }} as projects
        on lines.project_id = projects.project_id
),

profiles as (
    select * from {{ ref('stg_config_overrides__posting_profiles') }}
),

matched as (
    select
        lines.contract_line_id,
        profiles.posting_profile_id,
        profiles.accrues_revenue,
        profiles.profile_scope,
        row_number() over (
            partition by lines.contract_line_id
            order by case profiles.profile_scope when 'contract' then 1 when 'project_group' then 2 else 3 end,
                profiles.posting_profile_id
        ) as preference
    from lines
    inner join profiles
        on profiles.profile_billing_method = lines.billing_method
        and (
            (profiles.profile_scope = 'contract' and profiles.profile_scope_value = lines.contract_id)
            or (profiles.profile_scope = 'project_group' and profiles.profile_scope_value = lines.project_group)
            or profiles.profile_scope = 'default'
        )
)

select
    lines.contract_line_id,
    lines.billing_method,
    matched.posting_profile_id,
    matched.profile_scope,
    coalesce(matched.accrues_revenue, false) and lines.billing_method = 'time_and_material' as accrues_revenue,
    lines.billing_method = 'fixed_price' as recognizes_percent_complete
from lines
left join matched
    on lines.contract_line_id = matched.contract_line_id
    and matched.preference = 1
