{#- The incremental path (DECISIONLOG D-I1 … D-I4): what a run recomputes when only a day's delivery is new. -#}

{#- A staging typed model types a landed row once: on an incremental run only the rows of loads it has not typed
    with this very typing SQL (the rendered renamed/row_checked CTEs, macros expanded) are read, so a change of a
    typing rule retypes every row (delete+insert by _load_id replaces them). -#}
{% macro loads_not_yet_typed(typing_sql) -%}
    {%- if is_incremental() %}
    where _load_id not in (
        select distinct _load_id from {{ this }} where _typed_by = {{ typing_checksum(typing_sql) }}
    )
    {%- endif %}
{%- endmacro %}

{% macro typing_checksum(typing_sql) -%}
    '{{ local_md5(typing_sql | trim) }}'
{%- endmacro %}

{#- R15 timeline of touched lines (D-I2): the fingerprints of each line's inputs (its accepted versions and its work
    order's) that int_line_revisions_recorded has seen, kept beside it in a table that only its post-hook writes. -#}
{% macro line_fingerprints_relation() -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema,
                                  identifier='int_work_order_line_fingerprints')) }}
{%- endmacro %}

{#- True when a run may restrict the timeline to touched lines: the revision ledger has run before (its fingerprints
    exist) and this is no --full-refresh (which recomputes every line's timeline, the full path). -#}
{% macro timeline_of_touched_lines_only() -%}
    {{ return(adapter.dispatch('timeline_of_touched_lines_only', 'fieldledger')()) }}
{%- endmacro %}

{% macro default__timeline_of_touched_lines_only() -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=this.database, schema=this.schema,
                                   identifier='int_work_order_line_fingerprints') is not none) }}
{%- endmacro %}

{#- Post-hook of int_line_revisions_recorded: the ledger has now seen these lines' inputs. Written only after the
    ledger's insert, so a failed or killed run leaves the lines touched for the next one. -#}
{% macro record_line_fingerprints() -%}
    {{ return(adapter.dispatch('record_line_fingerprints', 'fieldledger')()) }}
{%- endmacro %}

{% macro default__record_line_fingerprints() -%}
    {%- set seen = line_fingerprints_relation() -%}
    {%- if timeline_of_touched_lines_only() -%}
        delete from {{ seen }} where work_order_line_id in (
            select work_order_line_id from {{ ref('int_work_order_lines_touched') }});
        insert into {{ seen }}
        select work_order_line_id, inputs_fingerprint from {{ ref('int_work_order_lines_touched') }}
        where inputs_fingerprint is not null
    {%- else -%}
        create or replace table {{ seen }} as
        select work_order_line_id, inputs_fingerprint from {{ ref('int_work_order_lines_touched') }}
        where inputs_fingerprint is not null
    {%- endif -%}
{%- endmacro %}

{#- fct_trace (D-T5): one hash of a trace row's chain ids, computed alike from the chains and from the built rows
    (every value as text, so a NULL literal and a NULL column hash the same). -#}
{% macro trace_chain_ids_hash(expressions, prefix='') -%}
    hash({% for e in expressions %}cast({{ prefix }}{{ e }} as varchar){% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{#- Post-hook of fct_trace on an incremental run: a not-posted chain whose actual was since sent to Finance or
    billed, or whose journal line got an actual, is no chain any more (a full build would not have it). -#}
{% macro delete_posted_trace_chains() -%}
    {%- if is_incremental() %}
    delete from {{ this }}
    where chain_kind = 'not_posted'
        and ((actual_id is null and journal_line_id in (
                select journal_line_id from {{ ref('fct_project_actuals') }} where journal_line_id is not null))
            or actual_id in (select actual_id from {{ ref('int_integration_journal_lines_recorded') }})
            or actual_id in (select actual_id from {{ ref('int_invoice_line_details_recorded') }}
                             where actual_id is not null))
    {%- endif %}
{%- endmacro %}
