{#- R4 row checks for staging base models. Each macro emits `when <condition> then '<code>: <detail>'` branches
    of one CASE, so the first problem found names the row's reason (codes before ':' are R4 reason codes). -#}

{#- Columns that must have a value; with `unless`, not required on rows where that boolean column is true. -#}
{% macro when_missing(raw_columns, unless=none) -%}
    {%- for col in raw_columns %}
            when {% if unless %}not coalesce({{ unless }}, false) and {% endif %}nullif(trim({{ col }}), '') is null
                then 'missing_required: {{ col }} is empty'
    {%- endfor %}
{%- endmacro %}

{#- pairs of (raw column, typed column, what it should be): text present but not a valid value → bad_type. -#}
{% macro when_bad_type(pairs) -%}
    {%- for raw, typed, kind in pairs %}
            when nullif(trim({{ raw }}), '') is not null and {{ typed }} is null
                then 'bad_type: {{ raw }} ''' || {{ raw }} || ''' is not {{ kind }}'
    {%- endfor %}
{%- endmacro %}

{#- Quantities and durations below zero (negative_quantity). -#}
{% macro when_negative(typed_columns) -%}
    {%- for col in typed_columns %}
            when {{ col }} < 0 then 'negative_quantity: {{ col }} is ' || cast({{ col }} as varchar) || ', below zero'
    {%- endfor %}
{%- endmacro %}

{#- R4 out_of_range: the allowed range of every staged value that a later computation multiplies or adds into money
    (DECISIONLOG D-S1). kind → (lowest, highest), both allowed. With quantities ≤ 1,000,000 and unit prices ≤
    100,000,000 every line amount is ≤ 1e14, a hundredth of what DECIMAL(18,2) holds, so sums of many lines fit too;
    amounts delivered as such (milestones, contracted amounts, additional costs) stay ≤ 1e13, because a milestone
    amount is also the DECIMAL(18,4) unit price of its invoice line. -#}
{% macro value_bounds() -%}
    {{ return({
        'quantity': (0, 1000000),
        'minutes': (0, 1000000),
        'unit_price': (-100000000, 100000000),
        'amount': (-10000000000000, 10000000000000),
        'markup_percent': (-100, 1000),
        'percent': (0, 100),
        'exchange_rate': ('0.00000001', 1000000),
    }) }}
{%- endmacro %}

{#- pairs of (raw column, kind of value_bounds()): a delivered number outside its range → out_of_range, checked on
    the text at full width, so that a number too large for its staged type is out_of_range too. Quantities and
    minutes are checked against their upper bound only: below zero is negative_quantity. -#}
{% macro when_out_of_range(pairs) -%}
    {%- for raw, kind in pairs %}
        {%- set low, high = value_bounds()[kind] %}
        {%- set shown = [] %}
        {%- for bound in (low, high) %}
            {%- do shown.append("{:,}".format(bound) if bound is number else bound) %}
        {%- endfor %}
            when {% if kind in ('quantity', 'minutes') -%}
                {{ to_wide_decimal(raw) }} > {{ high }}
            {%- else -%}
                {{ to_wide_decimal(raw) }} not between {{ low }} and {{ high }}
            {%- endif %}
                then 'out_of_range: {{ raw }} ''' || trim({{ raw }}) || ''' is outside the allowed range {{ shown[0] }} to {{ shown[1] }}'
    {%- endfor %}
{%- endmacro %}

{#- The run's clock (UTC, naive): the var `now` (FIELDLEDGER_NOW, an ISO date or UTC timestamp) when set, else
    the start of this dbt invocation. -#}
{% macro run_clock() -%}
    {%- set pinned = (var('now', '') or '') | string | trim -%}
    {%- if pinned -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?Z?', pinned) -%}
            {{ exceptions.raise_compiler_error("now=" ~ pinned ~ " is not an ISO date or UTC timestamp: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ") }}
        {%- endif -%}
        {{ return(modules.datetime.datetime.fromisoformat(pinned.rstrip('Z'))) }}
    {%- endif -%}
    {%- set started = run_started_at or modules.datetime.datetime.now(modules.pytz.utc) -%}
    {{ return(started.astimezone(modules.pytz.utc).replace(tzinfo=none) if started.tzinfo else started) }}
{%- endmacro %}

{#- pairs of (raw column, typed timestamp column): later than the run clock plus one day → future_date (R4). -#}
{% macro when_future(pairs) -%}
    {%- set clock = run_clock() %}
    {%- set limit = (clock + modules.datetime.timedelta(days=1)).strftime('%Y-%m-%d %H:%M:%S') %}
    {%- for raw, typed in pairs %}
            when {{ typed }} > cast('{{ limit }}' as timestamp)
                then 'future_date: {{ raw }} ''' || trim({{ raw }}) || ''' is later than the run clock {{ clock.strftime('%Y-%m-%d %H:%M:%S') }} UTC plus one day'
    {%- endfor %}
{%- endmacro %}

{#- A referenced record that does not exist among the accepted rows of its table (unknown_reference). -#}
{% macro when_unknown(raw_column, found_column, what, unless=none) %}
            when {% if unless %}not coalesce({{ unless }}, false) and {% endif %}{{ raw_column }} is not null
                and {{ found_column }} is null
                then 'unknown_reference: {{ what }} ''' || {{ raw_column }} || ''' does not exist'
{%- endmacro %}

{% macro reason_code(problem_column) -%}
    split_part({{ problem_column }}, ':', 1)
{%- endmacro %}

{#- The delivered values of a rejected row as JSON text, column by column, as they were in the file. -#}
{% macro raw_row_json(relation) -%}
    {%- if execute -%}
        {%- set names = [] -%}
        {%- for col in adapter.get_columns_in_relation(relation) if not col.name.startswith('_') -%}
            {%- do names.append(col.name) -%}
        {%- endfor -%}
        {{ return(adapter.dispatch('raw_row_json', 'fieldledger')(names)) }}
    {%- else -%}
        {{ return("null") }}
    {%- endif -%}
{%- endmacro %}

{#- names may be qualified (alias.column); the JSON key is the column name. -#}
{% macro default__raw_row_json(names) -%}
    cast(json_object({% for n in names %}'{{ n.split('.')[-1] }}', {{ n }}{{ ", " if not loop.last }}{% endfor %}) as varchar)
{%- endmacro %}

{% macro spark__raw_row_json(names) -%}
    {#- ignoreNullFields false: a NULL field stays in the JSON as null, as DuckDB's json_object writes it -#}
    to_json(named_struct({% for n in names %}'{{ n.split('.')[-1] }}', {{ n }}{{ ", " if not loop.last }}{% endfor %}), map('ignoreNullFields', 'false'))
{%- endmacro %}
