"""Finance exports (SPEC §3): after each run, the integration journal lines and posted customer invoices not yet
sent, as CSV and Parquet files in FIELDLEDGER_EXPORT_DIR — one batch per run, exactly once.

A batch's id is a hash of the ids of its rows, so the same pending rows always make the same batch. Files are
written to a hidden folder and renamed into place; then the batch and its rows are recorded in the build file
(schema `exports`). After a crash between the two, the next run finds the folder of the same batch and records it
without writing it again; a run with nothing pending writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

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
    where l.integration_line_id not in (select row_id from exports.batch_rows)
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
    where i.invoice_id not in (select row_id from exports.batch_rows)
    order by i.legal_entity, i.invoice_number, i.invoice_id"""

EXPORTS = {"integration_journal_lines": (INTEGRATION_LINES_SQL, "IntegrationLineId"),
           "customer_invoices": (CUSTOMER_INVOICES_SQL, "InvoiceId")}


@dataclass(frozen=True)
class Batch:
    batch_id: str
    folder: Path
    rows: dict[str, int]
    written: bool  # False: the folder was already there (recorded now) — or nothing was pending


def ensure_export_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists exports")
    con.execute("""create table if not exists exports.batches (
        batch_id varchar primary key, sequence integer not null, folder varchar not null,
        recorded_at timestamptz not null, row_counts varchar not null)""")
    con.execute("""create table if not exists exports.batch_rows (
        row_id varchar primary key, export_name varchar not null, batch_id varchar not null)""")


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:  # streamed: an export file may be larger than memory
        return hashlib.file_digest(fh, "sha256").hexdigest()


def export_batch(build_db: Path, export_dir: Path) -> Batch | None:
    """Write and record the batch of rows not yet exported; None when nothing is pending.

    Set-based in DuckDB (pending rows in temp tables, files by COPY, rows recorded by INSERT … SELECT), so a batch
    of tens of millions of lines never passes through Python."""
    export_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(build_db)) as con:
        con.execute("set TimeZone = 'UTC'")
        ensure_export_schema(con)
        rows, digests = {}, []
        for name, (sql, key) in EXPORTS.items():
            con.execute(f"create temp table {_pending(name)} as {sql}")
            count, digest = con.execute(
                f'select count(*), md5(coalesce(string_agg("{key}", chr(10) order by "{key}"), \'\')) '
                f"from {_pending(name)}").fetchone()
            rows[name] = count
            digests.append(f"{name}:{count}:{digest}")
        if not any(rows.values()):
            return None
        batch_id = hashlib.sha256("\n".join(digests).encode()).hexdigest()[:24]
        folder = export_dir / f"batch_{batch_id}"
        written = not (folder / "manifest.json").exists()
        if written:
            _write(con, folder, batch_id, rows)
        sequence = con.execute("select coalesce(max(sequence), 0) + 1 from exports.batches").fetchone()[0]
        con.execute("begin transaction")
        con.execute("insert into exports.batches values (?, ?, ?, now(), ?)",
                    [batch_id, sequence, str(folder), json.dumps(rows)])
        for name, (_, key) in EXPORTS.items():
            con.execute(f'insert into exports.batch_rows select "{key}", ?, ? from {_pending(name)}', [name, batch_id])
        con.execute("commit")
    return Batch(batch_id, folder, rows, written)


def _pending(name: str) -> str:
    return f"pending_{name}"


def _write(con: duckdb.DuckDBPyConnection, folder: Path, batch_id: str, rows: dict[str, int]) -> None:
    incoming = folder.with_name(f".incoming_{folder.name}")
    shutil.rmtree(incoming, ignore_errors=True)
    incoming.mkdir(parents=True)
    manifest: dict = {"batch_id": batch_id, "files": []}
    for name, count in rows.items():
        for fmt in ("csv", "parquet"):
            path = incoming / f"{name}.{fmt}"
            options = "format csv, header true" if fmt == "csv" else "format parquet"
            con.execute(f"copy {_pending(name)} to '{path}' ({options})")
            manifest["files"].append({"name": path.name, "rows": count, "sha256": _sha256(path)})
    (incoming / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    for path in incoming.iterdir():  # durable before it becomes visible
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    os.replace(incoming, folder)


def exported_batches(build_db: Path) -> list[tuple]:
    with duckdb.connect(str(build_db), read_only=True) as con:
        if not con.execute("select count(*) from duckdb_tables() where schema_name = 'exports'").fetchone()[0]:
            return []
        return con.execute("select sequence, batch_id, folder, row_counts from exports.batches order by 1").fetchall()
