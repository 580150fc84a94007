"""Finance exports (SPEC §3): after each run, the integration journal lines and posted customer invoices not yet
sent, as CSV and Parquet files in FIELDLEDGER_EXPORT_DIR — one batch per run, exactly once — and, in the same batch
folder, one Finance Data management package per legal entity (finance_packages.py).

A batch's id is a hash of the ids of its rows, so the same pending rows always make the same batch. The batch and
its rows are recorded in the build file (schema `exports`) as `pending` first; then its files are written to a
hidden folder, renamed into place, and the batch is marked `written`. A row belongs to one batch from the moment it
is recorded, so no later batch can contain it. A batch still pending when a run starts (a crash, a full disk, an
export folder that could not be written) is completed first, before anything new: its folder is already there
(recorded as written, not written again) or exactly its rows are written again. A run with nothing pending writes
nothing.

Paths never enter SQL text: DuckDB takes the file of `COPY … TO ?` as a parameter.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.finance_packages import write_packages

# Finance's ProjCDSActualsImport column names where one applies (domain-research §2.4), then fieldledger's ids.
INTEGRATION_LINES_SQL = """
    select
        l.actual_id as "ActualId",
        case l.transaction_type when 'cost' then 'Cost' else 'UnbilledSales' end as "TransType",
        'Material' as "TransactionClassification",
        l.billing_type as "BillingType",
        l.project_id as "ProjectId",
        l.contract_id as "ContractId",
        l.contract_line_id as "ContractLine",
        p.product_number as "ProductNumber",
        c.account_number as "CustomerAccountNumber",
        l.project_category as "TransactionCategory",
        l.quantity as "Quantity",
        l.unit_price as "UnitPrice",
        l.amount as "Amount",
        l.amount_accounting as "AmountMST",
        l.currency_code as "TransactionCurrencyId",
        l.exchange_rate as "ExchangeRate",
        l.accounting_date as "ExchangeRateDate",
        l.transaction_date as "DocumentDate",
        l.accounting_date as "AccountingDate",
        l.voucher as "VoucherNumber",
        l.legal_entity as "ProjectDataAreaId",
        l.legal_entity as "DataAreaId",
        l.integration_line_id as "IntegrationLineId",
        l.journal_number as "JournalNumber",
        l.work_order_id as "WorkOrderId",
        l.work_order_line_id as "WorkOrderLineId"
    from marts.fct_integration_journal_lines l
    left join marts.dim_products p on p.product_id = l.product_id
    left join marts.dim_customers c on c.customer_id = l.customer_id
    where l.integration_line_id {rows}
    order by l.legal_entity, l.voucher, l.integration_line_id"""

CUSTOMER_INVOICES_SQL = """
    select
        i.invoice_id as "InvoiceId",
        i.invoice_number as "InvoiceNumber",
        i.legal_entity as "DataAreaId",
        c.account_number as "CustomerAccount",
        i.customer_id as "CustomerId",
        i.contract_id as "ContractId",
        i.invoice_date as "InvoiceDate",
        i.currency_code as "CurrencyCode",
        i.net_amount as "NetAmount",
        i.tax_amount as "SalesTaxAmount",
        i.total_amount as "TotalAmount",
        i.exchange_rate as "ExchangeRate",
        i.total_amount_accounting as "TotalAmountMST"
    from marts.fct_customer_invoices i
    left join marts.dim_customers c on c.customer_id = i.customer_id
    where i.invoice_id {rows}
    order by i.legal_entity, i.invoice_number, i.invoice_id"""

EXPORTS = {"integration_journal_lines": (INTEGRATION_LINES_SQL, "IntegrationLineId"),
           "customer_invoices": (CUSTOMER_INVOICES_SQL, "InvoiceId")}


# which rows a query selects: the rows of no batch yet, or the rows of one recorded batch (parameter: its id)
NOT_YET_EXPORTED = "not in (select row_id from exports.batch_rows)"
OF_BATCH = "in (select row_id from exports.batch_rows where batch_id = $batch_id)"

CRASH_HOOK = "FIELDLEDGER_INJECT_CRASH"  # fault tests only (tests/faults): see _crash_point


@dataclass(frozen=True)
class Batch:
    batch_id: str
    folder: Path
    rows: dict[str, int]
    written: bool  # False: the folder was already there (recorded now)
    recovered: bool = False  # a batch an earlier run recorded but did not finish


def ensure_export_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists exports")
    con.execute("""create table if not exists exports.batches (
        batch_id varchar primary key, sequence integer not null, folder varchar not null,
        recorded_at timestamptz not null, row_counts varchar not null)""")
    # pending: recorded, its files not (yet) in place; written: its folder is complete (build files of earlier
    # versions recorded only written batches)
    con.execute("alter table exports.batches add column if not exists status varchar default 'written'")
    con.execute("alter table exports.batches add column if not exists written_at timestamptz")
    con.execute("""create table if not exists exports.batch_rows (
        row_id varchar primary key, export_name varchar not null, batch_id varchar not null)""")


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:  # streamed: an export file may be larger than memory
        return hashlib.file_digest(fh, "sha256").hexdigest()


def export_batches(build_db: Path, export_dir: Path) -> list[Batch]:
    """Complete the batch an earlier run left pending, then record and write the batch of rows not yet exported.
    Returns the batches written or recorded now, oldest first (empty when nothing was pending).

    Set-based in DuckDB (pending rows in temp tables, files by COPY, rows recorded by INSERT … SELECT), so a batch
    of tens of millions of lines never passes through Python."""
    export_dir.mkdir(parents=True, exist_ok=True)
    done: list[Batch] = []
    with duckdb.connect(str(build_db)) as con:
        con.execute("set TimeZone = 'UTC'")
        ensure_export_schema(con)
        for batch_id, folder in con.execute(
                "select batch_id, folder from exports.batches where status = 'pending' order by sequence").fetchall():
            for name, (sql, _) in EXPORTS.items():
                con.execute(f"create or replace temp table {_pending(name)} as {sql.format(rows=OF_BATCH)}",
                            {"batch_id": batch_id})
            done.append(_complete(con, batch_id, Path(folder), export_dir, recovered=True))
        rows, digests = {}, []
        for name, (sql, key) in EXPORTS.items():
            con.execute(f"create or replace temp table {_pending(name)} as {sql.format(rows=NOT_YET_EXPORTED)}")
            count, digest = con.execute(
                f'select count(*), md5(coalesce(string_agg("{key}", chr(10) order by "{key}"), \'\')) '
                f"from {_pending(name)}").fetchone()
            rows[name] = count
            digests.append(f"{name}:{count}:{digest}")
        if any(rows.values()):
            batch_id = batch_id_of(digests)
            folder = export_dir / f"batch_{batch_id}"
            sequence = con.execute("select coalesce(max(sequence), 0) + 1 from exports.batches").fetchone()[0]
            con.execute("begin transaction")  # the rows belong to this batch before any file of it is visible
            con.execute("insert into exports.batches (batch_id, sequence, folder, recorded_at, row_counts, status) "
                        "values (?, ?, ?, now(), ?, 'pending')", [batch_id, sequence, str(folder), json.dumps(rows)])
            for name, (_, key) in EXPORTS.items():
                con.execute(f'insert into exports.batch_rows select "{key}", ?, ? from {_pending(name)}',
                            [name, batch_id])
            con.execute("commit")
            done.append(_complete(con, batch_id, folder, export_dir))
    return done


def export_batch(build_db: Path, export_dir: Path) -> Batch | None:
    """The newest batch export_batches wrote or recorded now; None when nothing was pending."""
    batches = export_batches(build_db, export_dir)
    return batches[-1] if batches else None


def batch_id_of(digests: list[str]) -> str:
    """A batch's id from `<export>:<count>:<md5 of its sorted row ids>` per export: the same rows, the same id."""
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()[:24]


def folder_in_place(export_dir: Path, batch_id: str, recorded: Path) -> Path | None:
    """The complete folder of a recorded batch when one is already there, else None (its files must be written)."""
    folder = export_dir / f"batch_{batch_id}"
    if (folder / "manifest.json").exists():
        return folder  # renamed into place before a crash: the same batch, not written twice
    if (recorded / "manifest.json").exists():
        return recorded  # complete in the export folder of the run that recorded it
    return None


def _complete(con: duckdb.DuckDBPyConnection, batch_id: str, recorded: Path, export_dir: Path, *,
              recovered: bool = False) -> Batch:
    """Make the folder of a recorded batch whole (its rows are in the temp tables) and mark the batch written."""
    rows = {name: con.execute(f"select count(*) from {_pending(name)}").fetchone()[0] for name in EXPORTS}
    folder = folder_in_place(export_dir, batch_id, recorded)
    written = folder is None
    if written:
        folder = export_dir / f"batch_{batch_id}"
        _write(con, folder, batch_id, rows)
    con.execute("update exports.batches set status = 'written', folder = ?, row_counts = ?, written_at = now() "
                "where batch_id = ?", [str(folder), json.dumps(rows), batch_id])
    return Batch(batch_id, folder, rows, written, recovered)


def _pending(name: str) -> str:
    return f"pending_{name}"


def _crash_point(point: str) -> None:
    """Fault hook for tests/faults: FIELDLEDGER_INJECT_CRASH=<point> ends the process here at once, as kill -9 or
    a power cut would (no exception, no cleanup). Points: export_before_rename, export_after_rename (and
    spark_exports.py's spark_export_after_pending)."""
    if os.environ.get(CRASH_HOOK) == point:
        os._exit(137)


def _write(con: duckdb.DuckDBPyConnection, folder: Path, batch_id: str, rows: dict[str, int]) -> None:
    incoming = folder.with_name(f".incoming_{folder.name}")
    shutil.rmtree(incoming, ignore_errors=True)
    incoming.mkdir(parents=True)
    manifest: dict = {"batch_id": batch_id, "files": []}
    for name, count in rows.items():
        for fmt in ("csv", "parquet"):
            path = incoming / f"{name}.{fmt}"
            options = "format csv, header true" if fmt == "csv" else "format parquet"
            con.execute(f"copy {_pending(name)} to ? ({options})", [str(path)])
            manifest["files"].append({"name": path.name, "rows": count, "sha256": _sha256(path)})
    # in the hidden folder too: a package is visible with its batch or not at all, and written once (D-P1)
    manifest["packages"] = write_packages(con, incoming, batch_id)
    (incoming / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    for path in incoming.iterdir():  # durable before it becomes visible
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    _crash_point("export_before_rename")
    os.replace(incoming, folder)
    _crash_point("export_after_rename")


def exported_batches(build_db: Path) -> list[tuple]:
    with duckdb.connect(str(build_db), read_only=True) as con:
        if not con.execute("select count(*) from duckdb_tables() where schema_name = 'exports'").fetchone()[0]:
            return []
        status = ("where status = 'written'" if con.execute(
            "select count(*) from duckdb_columns() where schema_name = 'exports' and table_name = 'batches' "
            "and column_name = 'status'").fetchone()[0] else "")
        return con.execute(f"select sequence, batch_id, folder, row_counts from exports.batches {status} "
                           "order by 1").fetchall()


def pending_batches(build_db: Path) -> list[tuple]:
    """(sequence, batch_id, folder, row_counts) of batches recorded whose files are not (all) in place yet."""
    with duckdb.connect(str(build_db), read_only=True) as con:
        if not con.execute("select count(*) from duckdb_columns() where schema_name = 'exports' "
                           "and table_name = 'batches' and column_name = 'status'").fetchone()[0]:
            return []
        return con.execute("select sequence, batch_id, folder, row_counts from exports.batches "
                           "where status = 'pending' order by 1").fetchall()
