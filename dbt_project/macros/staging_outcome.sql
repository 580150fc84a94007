{#- duplicate_version and conflicts_with_published (R4), among the rows that passed the row checks.
    Versioned tables (key_columns = id and versionnumber, DECISIONLOG D-S4): rows of one landing that share a key and
    differ in content are all duplicate_version; a row of a later landing whose content differs from the one row
    landed first for its key is conflicts_with_published — the first stays accepted, since runs may already have
    published history from it. The few conflicting keys are resolved in a small side query.
    Setup snapshots (versioned=false, D-S3): duplicate_version is the same key twice with different content in one
    file of one landing; a later landing is simply the newer snapshot. -#}
{% macro check_duplicate_versions(relation, key_columns, versioned=true) -%}
    {%- set keys = key_columns | join(', ') -%}
    {%- set what = key_columns | join(' and ') -%}
    {%- if versioned %}
    with keyed as (
        select
            *,
            min(case when problem is null then _row_hash end) over (partition by {{ keys }}) as _min_hash,
            max(case when problem is null then _row_hash end) over (partition by {{ keys }}) as _max_hash
        from {{ relation }}
    ),

    conflicting as (
        select
            {{ keys }},
            _load_id,
            _row_hash,
            _file_name,
            _row_number,
            min(_load_id) over (partition by {{ keys }}) as _first_load_id
        from keyed
        where problem is null and _min_hash <> _max_hash
    ),

    first_landed as (
        select
            {{ keys }},
            min(_load_id) as first_load_id,
            min(_row_hash) as first_min_hash,
            max(_row_hash) as first_max_hash,
            min(_file_name || ' row ' || cast(_row_number as varchar)) as first_row
        from conflicting
        where _load_id = _first_load_id
        group by {{ keys }}
    )

    select
        keyed.*,
        case
            when keyed.problem is null and keyed._min_hash <> keyed._max_hash then case
                when first_landed.first_min_hash <> first_landed.first_max_hash
                    then 'duplicate_version: rows with the same {{ what }} and different content landed together (load '
                        || cast(first_landed.first_load_id as varchar) || ')'
                when keyed._load_id > first_landed.first_load_id and keyed._row_hash <> first_landed.first_min_hash
                    then 'conflicts_with_published: the row with the same {{ what }} landed first (load '
                        || cast(first_landed.first_load_id as varchar) || ', ' || first_landed.first_row
                        || ') has other content; it stays, since published history is never rewritten'
            end
        end as version_problem
    from keyed
    left join first_landed
        on {% for k in key_columns %}keyed.{{ k }} = first_landed.{{ k }}{{ ' and ' if not loop.last }}{% endfor %}
    {%- else %}
    select
        *,
        case
            when problem is null
                and min(case when problem is null then _row_hash end) over (partition by {{ keys }}, _load_id, _file_name)
                <> max(case when problem is null then _row_hash end) over (partition by {{ keys }}, _load_id, _file_name)
                then 'duplicate_version: another row with the same {{ what }} in the same file of the same landing has different content'
        end as version_problem
    from {{ relation }}
    {%- endif %}
{%- endmacro %}

{#- The lineage and R1/R4 outcome columns every staging base model ends with:
    _table_name, _file_name, _row_number, _load_id, _row_hash, _record_id, reject_reason, raw_row, is_current.
    is_current: the newest accepted row of its record (R1); rejected rows are never current. Setup snapshots order
    newest_first by the landing first (_load_id desc, DECISIONLOG D-S3). -#}
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
