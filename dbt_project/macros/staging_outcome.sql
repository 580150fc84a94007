{#- duplicate_version (R4): rows that passed the row checks, share a key and version, and differ in content. -#}
{% macro check_duplicate_versions(relation, key_columns) -%}
    select
        *,
        case
            when problem is null
                and min(case when problem is null then _row_hash end) over (partition by {{ key_columns | join(', ') }})
                <> max(case when problem is null then _row_hash end) over (partition by {{ key_columns | join(', ') }})
                then 'duplicate_version: another row with the same {{ key_columns | join(" and ") }} has different content'
        end as version_problem
    from {{ relation }}
{%- endmacro %}

{#- The lineage and R1/R4 outcome columns every staging base model ends with:
    _table_name, _file_name, _row_number, _load_id, _row_hash, _record_id, reject_reason, raw_row, is_current.
    is_current: the newest accepted row of its record (R1); rejected rows are never current. -#}
{% macro staging_outcome(table_name, source_relation, record_id, partition_by, newest_first) -%}
    '{{ table_name }}' as _table_name,
    _file_name,
    _row_number,
    _load_id,
    _row_hash,
    {{ record_id }} as _record_id,
    reject_reason,
    case when reject_reason is not null then {{ raw_row_json(source_relation) }} end as raw_row,
    reject_reason is null and row_number() over (
        partition by {{ partition_by | join(', ') }}
        order by case when reject_reason is null then 0 else 1 end, {{ newest_first | join(', ') }}
    ) = 1 as is_current
{%- endmacro %}
