-- Every delivered row version of invoice (confirmations of the proformas fieldledger published, read when
-- auto_confirm_invoices is off, R22), typed, with its R4 outcome. The invoice reference is checked by billing.
with row_checked as (
    -- future_date (R4) compares with this run's clock, so it is checked on every run, after the row checks
    select {% call star_replace(ref('base_project_operations__invoice_confirmations_typed'), 'problem') %}coalesce(problem, case
            {{- when_future([('modifiedon', 'modified_at')]) }}
        end){% endcall %}
    from {{ ref('base_project_operations__invoice_confirmations_typed') }}
),

version_checked as (
    {{ check_duplicate_versions('row_checked', ['invoice_id', 'version_number']) }}
)

select
    invoice_id,
    invoice_status,
    version_number,
    is_deleted,
    modified_at,
    {{ staging_outcome(
        table_name='invoice',
        source_relation=source('project_operations', 'invoice'),
        record_id='invoice_id',
        partition_by=['invoice_id'],
        newest_first=['version_number desc'],
    ) }}
from (select *, coalesce(problem, version_problem) as reject_reason from version_checked) as checked
