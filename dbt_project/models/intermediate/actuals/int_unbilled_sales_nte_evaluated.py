"""R19 not-to-exceed, evaluated once per unbilled-sales actual and stored (append-only), so that a later actual
never flips an earlier status (DESIGN-NOTES §4).

Actuals not yet evaluated are taken in order of usage date, creation, actual id, per contract. An original that
would take its contract line's or its contract's committed amount (committed + invoiced: every committed
original net of its line-change reversals) over the limit is `failed` and not invoiceable; otherwise
`committed`. A line-change reversal of a committed actual frees its amount. No limit: `not_applicable`.
Sequential by nature (a failed item adds nothing, so a later smaller one may still fit), hence Python.
"""

from decimal import Decimal

import pandas as pd


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append", full_refresh=False,
               on_schema_change="fail")
    dbt.ref("int_project_actuals_recorded").create_view("nte_actuals", replace=True)
    dbt.ref("stg_project_operations__contract_lines").create_view("nte_contract_lines", replace=True)
    dbt.ref("stg_project_operations__contracts").create_view("nte_contracts", replace=True)
    evaluated = (f"select actual_id, nte_status from {dbt.this}" if dbt.is_incremental
                 else "select cast(null as varchar) as actual_id, cast(null as varchar) as nte_status where false")
    session.execute(f"create or replace temp view nte_evaluated as {evaluated}")

    # what is already committed per contract line and per contract (earlier runs)
    line_totals: dict[str, Decimal] = {}
    contract_totals: dict[str, Decimal] = {}
    for contract_line_id, contract_id, amount in session.execute("""
            select a.contract_line_id, a.contract_id, sum(a.amount)
            from nte_actuals a
            join nte_evaluated e on e.actual_id = a.actual_id and e.nte_status = 'committed'
            group by all""").fetchall():
        line_totals[contract_line_id] = line_totals.get(contract_line_id, Decimal(0)) + amount
        contract_totals[contract_id] = contract_totals.get(contract_id, Decimal(0)) + amount

    unevaluated = """
        from nte_actuals a
        left join nte_contract_lines l on l.contract_line_id = a.contract_line_id
        left join nte_contracts c on c.contract_id = a.contract_id
        where a.transaction_type = 'unbilled_sales'
          and coalesce(a.reversal_reason, '') <> 'invoice_confirmation'
          and a.actual_id not in (select actual_id from nte_evaluated)"""
    session.execute(f"""create or replace temp view nte_limited_contracts as
        select distinct a.contract_id {unevaluated}
          and (l.not_to_exceed_limit is not null or c.not_to_exceed_limit is not null)""")
    pending = session.execute("""
        select
            a.actual_id, a.reverses_actual_id, a.contract_line_id, a.contract_id, a.amount,
            l.not_to_exceed_limit as line_limit, c.not_to_exceed_limit as contract_limit,
            coalesce(e.nte_status, '') as reversed_status
        from nte_actuals a
        left join nte_contract_lines l on l.contract_line_id = a.contract_line_id
        left join nte_contracts c on c.contract_id = a.contract_id
        left join nte_evaluated e on e.actual_id = a.reverses_actual_id
        where a.transaction_type = 'unbilled_sales'
          and coalesce(a.reversal_reason, '') <> 'invoice_confirmation'
          and a.actual_id not in (select actual_id from nte_evaluated)
          and a.contract_id in (select contract_id from nte_limited_contracts)
        order by a.contract_id, a.transaction_date, a.created_at, a.actual_id""").fetchall()

    decided: dict[str, str] = {}
    rows = []
    for sequence, (actual_id, reverses, line_id, contract_id, amount, line_limit, contract_limit,
                   reversed_status) in enumerate(pending, 1):
        if reverses:  # a reversal inherits the status of what it reverses and frees its amount
            status = decided.get(reverses, reversed_status) or "not_applicable"
        elif line_limit is None and contract_limit is None:
            status = "not_applicable"
        else:
            line_after = line_totals.get(line_id, Decimal(0)) + amount
            contract_after = contract_totals.get(contract_id, Decimal(0)) + amount
            fits = (line_limit is None or line_after <= line_limit) and (
                contract_limit is None or contract_after <= contract_limit)
            status = "committed" if fits else "failed"
        if status == "committed":
            line_totals[line_id] = line_totals.get(line_id, Decimal(0)) + amount
            contract_totals[contract_id] = contract_totals.get(contract_id, Decimal(0)) + amount
        decided[actual_id] = status
        rows.append((actual_id, status, str(line_totals.get(line_id, "")), str(contract_totals.get(contract_id, "")),
                     sequence))

    columns = ["actual_id", "nte_status", "line_committed_after", "contract_committed_after", "evaluation_sequence"]
    session.register("nte_sequential", pd.DataFrame(rows, columns=columns, dtype=object))
    return session.sql(f"""
        select
            cast(actual_id as varchar) as actual_id,
            cast(nte_status as varchar) as nte_status,
            cast(nullif(line_committed_after, '') as decimal(18, 2)) as line_committed_after,
            cast(nullif(contract_committed_after, '') as decimal(18, 2)) as contract_committed_after,
            cast(evaluation_sequence as bigint) as evaluation_sequence
        from nte_sequential
        union all
        select a.actual_id, 'not_applicable', null, null, null {unevaluated}
          and a.contract_id not in (select contract_id from nte_limited_contracts)""")
