"""What a run built, for people: rows per stage, rejected rows by reason, where everything is."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from orchestration.publish import parquet_dir_for
from orchestration.settings import DBT_PROJECT_DIR, Settings

# (title, query against the build file): later stages add their sections here.
BUILD_SECTIONS: list[tuple[str, str]] = [
    ("Delivery landed (all deliveries so far)", """
        select count(*) as files, sum(rows_delivered) as rows_delivered, sum(rows_landed) as rows_landed,
               sum(rows_duplicate) as duplicates_of_landed_rows, sum(rows_unparseable) as unparseable
        from raw._landed_files"""),
    ("Ignored files: not read, content not landed since (marts.rpt_ignored_files; README: names and formats)", """
        select file_name, reason_code, reason from raw._ignored_files
        where file_sha256 not in (select file_sha256 from raw._landed_files)
        qualify row_number() over (partition by file_name, file_sha256 order by load_id desc) = 1
        order by file_name limit 20"""),
    ("Effective as_of_date (invoice runs, revenue recognition and aging stop here; SPEC §2)", """
        select effective_as_of_date, as_of_date_source, run_clock from intermediate.int_delivery_as_of_date"""),
]

# (title, query against the published warehouse)
PUBLISHED_SECTIONS: list[tuple[str, str]] = [
    ("Pipeline reconciliation (I1–I7: every difference must be 0)", """
        select stage_order as "#", stage, row_count as rows, amount, difference, must_equal
        from marts.rpt_pipeline_reconciliation order by 1"""),
    ("Trial balance per legal entity and period (I6: net must be 0)", """
        select legal_entity, period, accounting_currency_code as currency, sum(debit_amount) as debit,
               sum(credit_amount) as credit, sum(net_amount) as net
        from marts.rpt_trial_balance group by all order by 1, 2"""),
    ("Engine: material usage logs, journal lines, actuals (R15–R19)", """
        select 'material usage logs' as stage, approval_status as kind, count(*) as rows,
               sum(cost_amount) as cost, sum(sales_amount) as sales
        from marts.fct_material_usage_logs group by all
        union all
        select 'journal lines', transaction_type, count(*), sum(case when transaction_type = 'cost' then amount end),
               sum(case when transaction_type <> 'cost' then amount end)
        from marts.fct_project_journal_lines group by all
        union all
        select 'actuals', transaction_type || coalesce(' / ' || reversal_reason, ''), count(*),
               sum(case when transaction_type = 'cost' then amount end),
               sum(case when transaction_type <> 'cost' then amount end)
        from marts.fct_project_actuals group by all
        order by 1, 2"""),
    ("Invoices per month (R20–R22)", """
        select strftime(run_date, '%Y-%m') as month, status, count(*) as invoices, sum(line_count) as lines,
               currency_code, sum(total_amount) as total
        from marts.fct_proforma_invoices group by all order by 1, 2, 5"""),
    # I5 itself is computed once, in dbt: stage 6 of rpt_pipeline_reconciliation and the blocking test
    # assert_i5_billed_and_unbilled_reconcile (per contract line); this only shows what is still to bill
    ("Unbilled backlog per currency (I5: net unbilled = this backlog; marts.rpt_unbilled_backlog)", """
        select currency_code, backlog_reason, count(*) as items, sum(amount) as amount
        from marts.rpt_unbilled_backlog where item_kind = 'actual' group by all order by 1, 2"""),
    ("Rejected rows by reason (marts.rpt_rejected_rows)", """
        select reason_code, stage, count(*) as rows, count(distinct table_name) as tables
        from marts.rpt_rejected_rows group by all order by rows desc, reason_code"""),
]


def export_lines(settings: Settings) -> list[str]:
    from orchestration.exports import exported_batches

    batches = exported_batches(settings.build_db) if settings.build_db.exists() else []
    if not batches:
        return ["", "Finance exports", "  (no batch yet: nothing was sent to Finance)"]
    lines = ["", f"Finance exports ({len(batches)} batch(es), newest last)"]
    lines += [f"  #{seq}  {folder}  {counts}" for seq, _, folder, counts in batches[-5:]]
    return lines


def outcome_models() -> dict[str, str]:
    """Delivered table → the model that decides its R4 outcome: dbt's one list (macros/staged_tables.sql), which
    rpt_rejected_rows and the I1 test also walk, so a model moved between layers is found where it now is."""
    text = (DBT_PROJECT_DIR / "macros" / "staged_tables.sql").read_text()
    return dict(re.findall(r"\('(\w+)', '(\w+)'\)", text))


def outcome_relations(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Delivered table → schema."model" of its outcome model, for those present in the build file (table or view)."""
    where = dict(con.execute(
        "select table_name, schema_name || '.\"' || table_name || '\"' from (select schema_name, table_name "
        "from duckdb_tables() union all select schema_name, view_name from duckdb_views())").fetchall())
    return {table: where[model] for table, model in sorted(outcome_models().items()) if model in where}


def staging_outcomes_sql(con: duckdb.DuckDBPyConnection) -> str | None:
    """Accepted / superseded / rejected rows of every delivered table (0s when none arrived), from its outcome model."""
    relations = outcome_relations(con)
    if not relations:
        return None
    parts = [f"""select '{table}' as table_name,
                    count(case when reject_reason is null and is_current then 1 end) as accepted,
                    count(case when reject_reason is null and not is_current then 1 end) as superseded,
                    count(case when reject_reason is not null then 1 end) as rejected
                 from {relation}""" for table, relation in relations.items()]
    return " union all ".join(parts) + " order by table_name"


def _table(con: duckdb.DuckDBPyConnection, title: str, sql: str) -> str:
    try:
        cur = con.execute(sql)
    except duckdb.Error as exc:
        return f"\n{title}\n  (not available: {str(exc).splitlines()[0]})"
    header = [d[0] for d in cur.description]
    rows = [[_fmt(v) for v in row] for row in cur.fetchall()]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    lines = [f"\n{title}", "  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  " + "  ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(r, widths, strict=True))
              for r in rows]
    if not rows:
        lines.append("  (none)")
    return "\n".join(lines)


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("-", "").isdigit()


def published_row_counts_sql(con: duckdb.DuckDBPyConnection) -> str:
    tables = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts' "
                                        "order by 1").fetchall()]
    if not tables:
        return "select 'no marts published yet' as note"
    return " union all ".join(f"select '{t}' as mart, count(*) as rows from marts.\"{t}\"" for t in tables)


def render(settings: Settings) -> str:
    out = ["", "=" * 100, "fieldledger — what this run built", "=" * 100]
    if settings.build_db.exists():
        with duckdb.connect(str(settings.build_db), read_only=True) as con:
            for title, sql in BUILD_SECTIONS:
                out.append(_table(con, title, sql))
            outcomes = staging_outcomes_sql(con)
            if outcomes:
                out.append(_table(con, "Staging: rows per table (R1, R4)", outcomes))
    if settings.warehouse.exists():
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            for title, sql in PUBLISHED_SECTIONS:
                out.append(_table(con, title, sql))
            out.append(_table(con, "Published marts (rows)", published_row_counts_sql(con)))
    out += export_lines(settings)
    out += [
        "",
        "Where things are",
        f"  delivery read        {settings.raw_dir}",
        f"  warehouse (for BI)   {settings.warehouse}   (schema marts; DuckDB ≥ 1.4 can open it)",
        f"  parquet (for BI)     {parquet_dir_for(settings.warehouse)}   (one <mart>.parquet per mart; README: "
        "Connect a BI tool)",
        f"  build file           {settings.build_db}   (raw, staging, intermediate; written by the pipeline)",
        f"  exports              {settings.export_dir}",
        "  run settings         " + ", ".join(f"{k}={v}" for k, v in settings.run.items()),
        "",
        "Open the Dagster UI: `make dev`, then http://127.0.0.1:3000 (lineage, runs, checks).",
        "Query the marts:     .venv/bin/python -c \"import duckdb; print(duckdb.connect('"
        + str(settings.warehouse) + "', read_only=True).sql('from marts.rpt_rejected_rows limit 5'))\"",
    ]
    return "\n".join(out)


def print_summary(settings: Settings, path: Path | None = None) -> None:
    text = render(settings)
    print(text)
    if path:
        path.write_text(text)
