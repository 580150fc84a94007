"""Finance exports from Spark (issue 15 item 4, DECISIONLOG D-SP8): after a Spark run, the integration journal lines
and posted customer invoices not yet sent, as one batch per run, exactly once — the same batches, folders and files
as orchestration/exports.py writes from a DuckDB build.

The bookkeeping lives in the Spark warehouse, database `exports`, append-only (Parquet tables have no UPDATE and no
transactions):
  exports.batch_events  one row per batch and status: `pending` when recorded, `written` once its folder is in place,
                        `abandoned` for a batch recorded by a run that crashed before any of its rows was;
  exports.batch_rows    one row per exported row, naming its batch (what dbt's stg_exports__batch_rows reads);
  exports.batches       a view: each batch with its latest status (abandoned ones left out).
Order, so that a crash anywhere loses and duplicates nothing: the `pending` event, then the batch's rows (one insert
job, committed as a whole by Spark's file committer), then the files (hidden folder, renamed into place, as
exports.py), then the `written` event. A run first completes what an earlier one left pending: a pending batch with
rows gets its files written (or found in place); one without rows is abandoned, its rows are then still unexported.

The batch's rows are chosen, counted and hashed in Spark SQL (the id is the same hash exports.py and
int_export_batch_rows compute). Its files are written on the driver: the rows the files need — the batch's facts and
the dimensions they join — are written by Spark as Parquet files of text under `_exports/<batch id>` beside the
warehouse folder (removed afterwards; never collected into the driver's memory: a first export of a large history
is millions of rows) and read, typed by the marts' contracts, into a DuckDB on the driver (2 GB, spilling beyond),
where exports.py's own queries and writer (`_write`, the Finance packages) make them. So both engines' files agree
byte for byte in their data.

    python -m orchestration.spark_exports EXPORT_DIR     # FIELDLEDGER_SPARK_DIR: the Spark warehouse
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import duckdb

from orchestration.exports import EXPORTS, Batch, _crash_point, _write, batch_id_of, folder_in_place
from orchestration.settings import DBT_PROJECT_DIR

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"

# export → (the mart its rows come from, the mart's key: the row id batch_rows records)
SOURCES = {"integration_journal_lines": ("fct_integration_journal_lines", "integration_line_id"),
           "customer_invoices": ("fct_customer_invoices", "invoice_id")}

# every mart the export queries and the Finance packages read (exports.py, finance_packages.py), restricted to
# the batch's rows where it is a fact; `lines` and `invoices` are the batch's row ids per export
SLICES = {
    "fct_integration_journal_lines": "integration_line_id in (select row_id from lines)",
    "fct_customer_invoices": "invoice_id in (select row_id from invoices)",
    "fct_customer_invoice_lines": "invoice_id in (select row_id from invoices)",
    "fct_customer_invoice_line_details": "invoice_id in (select row_id from invoices)",
    "fct_gl_entries": "(source_type = 'integration_journal' and source_id in (select row_id from lines)) "
                      "or (source_type = 'customer_invoice' and invoice_id in (select row_id from invoices))",
    "fct_project_actuals": "actual_id in (select actual_id from marts.fct_integration_journal_lines "
                           "where integration_line_id in (select row_id from lines))",
    "fct_material_usage_logs": "mul_id in (select a.mul_id from marts.fct_project_actuals a "
                               "join marts.fct_integration_journal_lines l on l.actual_id = a.actual_id "
                               "where l.integration_line_id in (select row_id from lines))",
    "dim_products": None,
    "dim_customers": None,
    "dim_projects": None,
    "dim_contract_lines": None,
}


def ensure_export_schema(spark) -> None:
    spark.sql("create database if not exists exports")
    spark.sql("create table if not exists exports.batch_events (batch_id string, sequence int, folder string, "
              "recorded_at timestamp, row_counts string, status string) using parquet")
    spark.sql("create table if not exists exports.batch_rows (row_id string, export_name string, batch_id string) "
              "using parquet")
    # each batch's latest event (on a tie, not the pending one): abandoned, then the same rows recorded again
    spark.sql("""create or replace view exports.batches as
        select batch_id, sequence, folder, recorded_at, row_counts, status from (
            select *, row_number() over (partition by batch_id order by
                       recorded_at desc, case status when 'pending' then 1 else 0 end) as latest
            from exports.batch_events)
        where latest = 1 and status <> 'abandoned'""")


def _event(spark, batch_id: str, sequence: int, folder: Path, rows: dict[str, int], status: str) -> None:
    spark.createDataFrame([(batch_id, sequence, str(folder), json.dumps(rows), status)],
                          "batch_id string, sequence int, folder string, row_counts string, status string") \
        .selectExpr("batch_id", "sequence", "folder", "current_timestamp() as recorded_at", "row_counts", "status") \
        .write.insertInto("exports.batch_events")


def export_batches(export_dir: Path, spark=None, manifest: Path = MANIFEST) -> list[Batch]:
    """Complete the batch an earlier run left pending, then record and write the batch of rows not yet exported.
    Returns the batches written or recorded now, oldest first (empty when nothing was pending)."""
    from orchestration.spark_landing import session

    spark = spark or session()
    export_dir.mkdir(parents=True, exist_ok=True)
    ensure_export_schema(spark)
    types = _contract_types(manifest)
    done: list[Batch] = []
    for batch_id, sequence, folder in spark.sql(
            "select batch_id, sequence, folder from exports.batches where status = 'pending' order by sequence"
    ).collect():
        if spark.sql(f"select count(*) from exports.batch_rows where batch_id = '{batch_id}'").collect()[0][0] == 0:
            _event(spark, batch_id, sequence, Path(folder), {}, "abandoned")  # crashed before its rows
            continue
        done.append(_complete(spark, types, batch_id, sequence, Path(folder), export_dir, recovered=True))
    rows, digests, pending = {}, [], {}
    for name, (mart, key) in SOURCES.items():  # frozen: the set must not change when batch_rows does
        pending[name] = spark.sql(
            f"select {key} as row_id from marts.{mart} where {key} not in (select row_id from exports.batch_rows)"
        ).localCheckpoint(eager=True)
        pending[name].createOrReplaceTempView(f"pending_{name}")
        count, digest = spark.sql(f"select count(*), md5(concat_ws(chr(10), array_sort(collect_list(row_id)))) "
                                  f"from pending_{name}").collect()[0]
        rows[name] = count
        digests.append(f"{name}:{count}:{digest}")
    if any(rows.values()):
        batch_id = batch_id_of(digests)
        folder = export_dir / f"batch_{batch_id}"
        sequence = spark.sql("select coalesce(max(sequence), 0) + 1 from exports.batch_events").collect()[0][0]
        _event(spark, batch_id, sequence, folder, rows, "pending")
        _crash_point("spark_export_after_pending")
        spark.sql(" union all ".join(f"select row_id, '{name}' as export_name, '{batch_id}' as batch_id "
                                     f"from pending_{name}" for name in SOURCES)).write.insertInto("exports.batch_rows")
        done.append(_complete(spark, types, batch_id, sequence, folder, export_dir))
    return done


def _complete(spark, types: dict[str, list[tuple[str, str]]], batch_id: str, sequence: int, recorded: Path,
              export_dir: Path, *, recovered: bool = False) -> Batch:
    """Make the folder of a recorded batch whole and record it written."""
    counts = dict(spark.sql(f"select export_name, count(*) from exports.batch_rows where batch_id = '{batch_id}' "
                            f"group by 1").collect())
    rows = {name: counts.get(name, 0) for name in EXPORTS}
    folder = folder_in_place(export_dir, batch_id, recorded)
    written = folder is None
    if written:
        folder = export_dir / f"batch_{batch_id}"
        with duckdb.connect() as con:
            _load_batch(spark, con, types, batch_id)
            _write(con, folder, batch_id, rows)
    _event(spark, batch_id, sequence, folder, rows, "written")
    return Batch(batch_id, folder, rows, written, recovered)


def _load_batch(spark, con: duckdb.DuckDBPyConnection, types: dict[str, list[tuple[str, str]]],
                batch_id: str) -> None:
    """The batch's slice of every mart the files read, typed as the marts' contracts, and exports.py's
    `pending_<export>` tables, in the DuckDB connection."""
    con.execute("set TimeZone = 'UTC'")
    con.execute("create schema marts")
    for name, (mart, _) in SOURCES.items():
        spark.sql(f"select row_id from exports.batch_rows where batch_id = '{batch_id}' and export_name = '{name}'"
                  ).createOrReplaceTempView("lines" if mart == "fct_integration_journal_lines" else "invoices")
    # each slice crosses as Parquet files Spark writes (never collected into the driver's memory: a first export
    # of a large history is millions of rows), read by DuckDB, which spills beyond its limit
    handover = _handover_folder(spark, batch_id)
    shutil.rmtree(handover, ignore_errors=True)
    con.execute("set memory_limit = '2GB'")
    con.execute("set temp_directory = ?", [str(handover.parent / ".duckdb-tmp")])
    for mart, where in SLICES.items():
        columns = types[mart]
        text = ", ".join(f"cast(`{c}` as string) as `{c}`" for c, _ in columns)
        spark.sql(f"select {text} from marts.{mart}" + (f" where {where}" if where else "")) \
            .write.parquet(str(handover / mart))
        typed = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in columns)
        declared = ", ".join(f'"{c}" {t}' for c, t in columns)
        con.execute(f"create table marts.{mart} ({declared})")
        if any((handover / mart).glob("*.parquet")):
            con.execute(f"insert into marts.{mart} select {typed} from read_parquet(?)",
                        [str(handover / mart / "*.parquet")])
    con.execute("create table batch_rows as select * from (values ('', '')) as t (row_id, export_name) where false")
    for name, (mart, key) in SOURCES.items():
        con.execute(f"insert into batch_rows select {key}, '{name}' from marts.{mart}")
    for name, (sql, _) in EXPORTS.items():
        rows = f"in (select row_id from batch_rows where export_name = '{name}')"
        con.execute(f"create temp table pending_{name} as {sql.format(rows=rows)}")
    shutil.rmtree(handover, ignore_errors=True)


def _handover_folder(spark, batch_id: str) -> Path:
    """Where a batch's mart slices wait for DuckDB: `_exports/<batch id>` beside the Spark warehouse folder."""
    from orchestration.spark_landing import beside_warehouse

    return beside_warehouse(spark, "_exports", batch_id)


def _contract_types(manifest: Path) -> dict[str, list[tuple[str, str]]]:
    """mart → its contracted (column, DuckDB type), in order, from dbt's manifest (`make manifest`)."""
    if not manifest.exists():
        raise FileNotFoundError(f"{manifest}: no dbt manifest; run `make manifest` first")
    nodes = json.loads(manifest.read_text())["nodes"].values()
    found = {n["name"]: [(c, v["data_type"]) for c, v in n["columns"].items()]
             for n in nodes if n["resource_type"] == "model" and n["name"] in SLICES}
    missing = sorted(set(SLICES) - set(found))
    if missing:
        raise LookupError(f"{manifest}: no contract for {missing}")
    return found


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FIELDLEDGER_EXPORT_DIR", "warehouse/exports"))
    for batch in export_batches(target):
        state = "written" if batch.written else "already in place"
        print(f"export from Spark: batch {batch.batch_id} ({'recovered, ' if batch.recovered else ''}{state}): "
              f"{batch.rows} in {batch.folder}")
    print("export from Spark: done")
