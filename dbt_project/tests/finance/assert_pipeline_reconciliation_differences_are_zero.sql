-- I1–I7 in one place: every difference of rpt_pipeline_reconciliation is zero.
{{ config(meta={'dagster': {'ref': {'name': 'rpt_pipeline_reconciliation'}}}) }}

select * from {{ ref('rpt_pipeline_reconciliation') }} where difference <> 0
