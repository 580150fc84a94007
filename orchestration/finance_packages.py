"""Finance Data management packages (issue 13 item 4): one zip per legal entity of an export batch, which Finance's
Data management imports as a package (reference: dataverse-formats.md Part 2; DECISIONLOG D-P1–D-P9).

A package holds, at its root, `PackageHeader.xml` and `Manifest.xml` (namespace DataManagement, UTF-16 LE with BOM,
one line, elements in the order of Microsoft's sample) and one CSV data file per entity, named after the entity's
Data management label, with the columns the manifest maps to entity fields:

  General journal                        LedgerJournalEntity: the GL legs of the batch's integration lines and
                                         customer invoices, one journal batch per period, one voucher per GL voucher
  Integration entity for project actuals ProjCDSActualsImportEntity: the batch's integration journal lines
  Customer free text invoice headers     FreeTextInvoiceHeaderEntity: the batch's customer invoices
  Customer free text invoice lines       FreeTextInvoiceLineEntity: their lines

Called by exports.py while it writes a batch into its hidden folder, so a package becomes visible with its batch or
not at all, and is never written twice. The rows come from the batch's temp tables (`pending_<export>`, which hold
exactly the batch's rows) joined to the marts; files are written by DuckDB (`COPY … TO ?`, the path a parameter).
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb

NAMESPACE = "http://schemas.microsoft.com/dynamics/2015/01/DataManagement"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MANIFEST_TYPE = "Microsoft.Dynamics.AX.Framework.Tools.DataManagement.Serialization.DataManagementPackageManifest"
PACKAGE_VERSION = "2"  # D-P2: 1 in Microsoft's 2017 sample, 2 in current generators; which is accepted is unconfirmed
DEFINITION_GROUP = "fieldledger"  # the data project the package imports into (D-P2)
SOURCE_FORMAT = "CSV-Unicode"  # Finance's built-in source data format: comma, Unicode
JOURNAL_NAME = "GenJrn"  # a general journal name that must exist in every legal entity (D-P4)
DATE_FORMAT = "%-m/%-d/%Y"  # en-US, as the docs' example; the source format's language must be en-US (D-P3)

# integration journal values → the enum symbols of the integration entity (D-P6): PascalCase, as TransType
TRANS_TYPES = {"cost": "Cost", "unbilled_sales": "UnbilledSales"}
BILLING_TYPES = {"chargeable": "Chargeable", "non_chargeable": "NonChargeable", "complimentary": "Complimentary",
                 "not_available": "NotAvailable"}

# the batch's rows, as exports.py keeps them in temp tables while it writes the batch
BATCH_LINES = 'select "IntegrationLineId" from pending_integration_journal_lines'
BATCH_INVOICES = 'select "InvoiceId" from pending_customer_invoices'


@dataclass(frozen=True)
class Entity:
    label: str  # Data management name: the manifest's EntityName and the data file's name
    target: str  # AOT name (for people; the manifest names the label)
    sql: str  # one row per data-file row: a legal_entity column, then the data file's columns in order
    order_by: str
    execution_unit: int
    level: int  # within the unit: headers (level 1) before their lines (level 2)

    @property
    def file_name(self) -> str:
        return f"{self.label}.csv"

    @property
    def table(self) -> str:
        return "package_" + re.sub(r"\W", "_", self.label.lower())


def _enum(column: str, values: dict[str, str], what: str, constant: str) -> str:
    """A CASE over the known values; an unknown one stops the export, named (never a blank enum field in Finance)."""
    whens = " ".join(f"when '{k}' then '{v}'" for k, v in values.items())
    return (f"case {column} {whens} else error('Finance package: the {what} \"' || coalesce({column}, 'NULL') || "
            f"'\" of an integration journal line has no Finance value; add it to {constant} in "
            f"orchestration/finance_packages.py') end")


def _date(column: str) -> str:
    return f"strftime({column}, '{DATE_FORMAT}')"


def _text(expr: str) -> str:
    """Free text without the delimiter, the qualifier or line breaks, which Data management cannot read (D-P3)."""
    return f"regexp_replace({expr}, '[,\"\\r\\n]+', ' ', 'g')"


# D-P5: the GL legs of the batch's rows, one journal line per voucher × main account × side (debit or credit),
# one journal batch per legal entity × period; temporary vouchers, the warehouse voucher in TEXT
GENERAL_JOURNAL_SQL = f"""
    with legs as (
        select * from marts.fct_gl_entries
        where (source_type = 'integration_journal' and source_id in ({BATCH_LINES}))
           or (source_type = 'customer_invoice' and invoice_id in ({BATCH_INVOICES}))
    ),
    lines as (
        select legal_entity, period, voucher, accounting_date, main_account, accounting_currency_code,
               debit_amount > 0 as is_debit, sum(debit_amount) as debit_amount, sum(credit_amount) as credit_amount
        from legs
        where debit_amount <> 0 or credit_amount <> 0
        group by all
    ),
    numbered as (
        select *,
               dense_rank() over (partition by legal_entity order by accounting_date, voucher) as voucher_number,
               row_number() over (partition by legal_entity, period
                                  order by accounting_date, voucher, is_debit desc, main_account) as line_number
        from lines
    )
    select
        legal_entity,
        '{JOURNAL_NAME}' as JOURNALNAME,
        'fieldledger ' || $batch_id || ' ' || period as DESCRIPTION,
        'FL' || left($batch_id, 8) || '-' || replace(period, '-', '') as JOURNALBATCHNUMBER,
        line_number as LINENUMBER,
        'Current' as POSTINGLAYER,
        'Ledger' as ACCOUNTTYPE,
        main_account as ACCOUNTDISPLAYVALUE,
        {_date('accounting_date')} as TRANSDATE,
        left($batch_id, 8) || '-' || lpad(cast(voucher_number as varchar), 6, '0') as VOUCHER,
        accounting_currency_code as CURRENCYCODE,
        debit_amount as DEBITAMOUNT,
        credit_amount as CREDITAMOUNT,
        {_text('voucher')} as TEXT
    from numbered"""

# D-P6: only fields the reference lists for ProjCDSActualsImportEntity; Dataverse ids as in the CSV export
PROJECT_ACTUALS_SQL = f"""
    with units as (  -- unit names: the marts name the units that are some product's default unit
        select distinct default_unit_id as unit_id, default_unit_name as unit_name from marts.dim_products
    )
    select
        l.legal_entity,
        l.actual_id as "ActualId",
        {_enum('l.transaction_type', TRANS_TYPES, 'transaction type', 'TRANS_TYPES')} as "TransType",
        'Material' as "TransactionClassification",
        {_enum('l.billing_type', BILLING_TYPES, 'billing type', 'BILLING_TYPES')} as "BillingType",
        l.project_id as "ProjectId",
        l.contract_id as "ContractId",
        l.contract_line_id as "ContractLine",
        p.contracting_unit_id as "ContractingUnit",
        l.project_category as "TransactionCategory",
        l.quantity as "Quantity",
        coalesce(u.unit_name, m.unit_id) as "UnitOfMeasure",
        l.unit_price as "UnitPrice",
        l.amount as "Amount",
        l.amount_accounting as "AmountMST",
        l.currency_code as "TransactionCurrencyId",
        l.exchange_rate as "ExchangeRate",
        {_date('l.accounting_date')} as "ExchangeRateDate",
        {_date('l.transaction_date')} as "DocumentDate",
        {_date('l.accounting_date')} as "AccountingDate",
        l.voucher as "Voucher",
        l.legal_entity as "ProjectDataAreaId"
    from marts.fct_integration_journal_lines l
    left join marts.dim_projects p on p.project_id = l.project_id
    left join marts.fct_project_actuals a on a.actual_id = l.actual_id
    left join marts.fct_material_usage_logs m on m.mul_id = a.mul_id
    left join units u on u.unit_id = m.unit_id
    where l.integration_line_id in ({BATCH_LINES})"""

# D-P7: free text invoices; a line joins its header by InvoiceIdentifier (the warehouse's invoice number)
INVOICE_HEADERS_SQL = f"""
    select
        i.legal_entity,
        i.invoice_number as "InvoiceIdentifier",
        c.account_number as "CustomerAccount",
        c.account_number as "InvoiceAccount",
        {_date('i.invoice_date')} as "InvoiceDate",
        {_date('i.invoice_date')} as "DocumentDate",
        i.currency_code as "CurrencyCode",
        c.tax_group_id as "SalesTaxGroupId"
    from marts.fct_customer_invoices i
    left join marts.dim_customers c on c.customer_id = i.customer_id
    where i.invoice_id in ({BATCH_INVOICES})"""

INVOICE_LINES_SQL = f"""
    with revenue_accounts as (  -- the account the GL credited the line's sales to (revenue or WIP on account)
        select d.customer_invoice_line_id, min(g.main_account) as main_account
        from marts.fct_customer_invoice_line_details d
        join marts.fct_gl_entries g
            on g.source_type = 'customer_invoice' and g.invoice_line_detail_id = d.customer_invoice_line_detail_id
        where g.posting_type not in ('customer_balance', 'sales_tax_payable')
          and d.invoice_id in ({BATCH_INVOICES})
        group by 1
    )
    select
        i.legal_entity,
        i.invoice_number as "InvoiceIdentifier",
        row_number() over (partition by l.invoice_id order by l.contract_line_id, l.customer_invoice_line_id)
            as "LineNumber",
        {_text("coalesce(cl.contract_number, l.contract_line_id) || ' ' || "
               "case l.billing_method when 'fixed_price' then 'fixed price' else 'time and material' end")}
            as "Description",
        r.main_account as "MainAccountDisplayValue",
        1 as "Quantity",
        l.net_amount as "UnitPrice",
        l.net_amount as "TransactionCurrencyAmount",
        l.currency_code as "CurrencyCode"
    from marts.fct_customer_invoice_lines l
    join marts.fct_customer_invoices i on i.invoice_id = l.invoice_id
    left join marts.dim_contract_lines cl on cl.contract_line_id = l.contract_line_id
    left join revenue_accounts r on r.customer_invoice_line_id = l.customer_invoice_line_id
    where l.invoice_id in ({BATCH_INVOICES})"""

ENTITIES = (
    Entity("General journal", "LedgerJournalEntity", GENERAL_JOURNAL_SQL,
           '"JOURNALBATCHNUMBER", "LINENUMBER"', execution_unit=1, level=1),
    Entity("Integration entity for project actuals", "ProjCDSActualsImportEntity", PROJECT_ACTUALS_SQL,
           '"AccountingDate", "Voucher", "ActualId"', execution_unit=2, level=1),
    Entity("Customer free text invoice headers", "FreeTextInvoiceHeaderEntity", INVOICE_HEADERS_SQL,
           '"InvoiceIdentifier"', execution_unit=3, level=1),
    Entity("Customer free text invoice lines", "FreeTextInvoiceLineEntity", INVOICE_LINES_SQL,
           '"InvoiceIdentifier", "LineNumber"', execution_unit=3, level=2),
)


def write_packages(con: duckdb.DuckDBPyConnection, folder: Path, batch_id: str) -> list[dict]:
    """Write one package per legal entity of the batch into `folder` (the batch's hidden folder); returns what
    manifest.json records of each: file name, legal entity, rows per entity, sha256."""
    columns: dict[str, list[str]] = {}
    for entity in ENTITIES:
        params = {"batch_id": batch_id} if "$batch_id" in entity.sql else {}
        con.execute(f"create or replace temp table {entity.table} as {entity.sql}", params)
        columns[entity.label] = [c[0] for c in con.execute(f"select * from {entity.table} limit 0").description][1:]
    union = " union ".join(f"select legal_entity from {e.table}" for e in ENTITIES)
    legal_entities = [r[0] for r in con.execute(f"select distinct legal_entity from ({union}) order by 1").fetchall()]
    packages = []
    for legal_entity in legal_entities:
        counts = {e.label: con.execute(f"select count(*) from {e.table} where legal_entity = ?",
                                       [legal_entity]).fetchone()[0] for e in ENTITIES}
        entities = [e for e in ENTITIES if counts[e.label]]  # an entity without rows has no data file
        path = folder / f"finance_package_{_file_part(legal_entity)}_{batch_id}.zip"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("PackageHeader.xml", _utf16(package_header_xml(batch_id, legal_entity)))
            zf.writestr("Manifest.xml", _utf16(manifest_xml(batch_id, legal_entity, entities, columns)))
            for entity in entities:
                _add_data_file(con, zf, folder, entity, legal_entity, columns[entity.label])
        with open(path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        packages.append({"name": path.name, "legal_entity": legal_entity, "sha256": digest,
                         "entities": {e.label: counts[e.label] for e in entities}})
    return packages


def _file_part(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", value)


def _add_data_file(con: duckdb.DuckDBPyConnection, zf: zipfile.ZipFile, folder: Path, entity: Entity,
                   legal_entity: str, columns: list[str]) -> None:
    """The entity's rows of one legal entity as CSV (UTF-8 with BOM, comma, CRLF, a header row of the mapped
    columns), written by DuckDB to a scratch file and streamed into the zip."""
    scratch = folder / f".{entity.table}.csv"
    select = ", ".join(f'"{c}"' for c in columns)
    con.execute(f"copy (select {select} from {entity.table} where legal_entity = ? order by {entity.order_by}) "
                "to ? (format csv, header true, new_line '\r\n')", [legal_entity, str(scratch)])
    with open(scratch, "rb") as src, zf.open(entity.file_name, "w", force_zip64=True) as dst:
        dst.write(b"\xef\xbb\xbf")  # the BOM names the code page to Data management (D-P3)
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    os.remove(scratch)


def _utf16(xml: str) -> bytes:
    """UTF-16 little endian with its BOM, as Microsoft's sample package."""
    return b"\xff\xfe" + xml.encode("utf-16-le")


# An element is (name, value): value None = i:nil, "" = empty, a str = text, a list = child elements (in order).
Element = tuple[str, "str | None | list[Element]"]


def _xml(root: str, children: list[Element]) -> str:
    def render(name: str, value) -> str:
        if value is None:
            return f'<{name} i:nil="true"/>'
        if isinstance(value, list):
            return f"<{name}>" + "".join(render(n, v) for n, v in value) + f"</{name}>"
        return f"<{name}>{escape(value)}</{name}>" if value != "" else f"<{name}/>"

    body = "".join(render(n, v) for n, v in children)
    return (f'<?xml version="1.0" encoding="utf-16"?><{root} xmlns:i="{XSI}" xmlns="{NAMESPACE}">'
            f"{body}</{root}>")


def _description(batch_id: str, legal_entity: str) -> str:
    return f"fieldledger batch {batch_id} {legal_entity}"


def package_header_xml(batch_id: str, legal_entity: str) -> str:
    return _xml("DataManagementPackageHeader", [
        ("Description", _description(batch_id, legal_entity)),
        ("ManifestType", MANIFEST_TYPE),
        ("PackageType", "DefinitionGroup"),
        ("PackageVersion", PACKAGE_VERSION),
    ])


def manifest_xml(batch_id: str, legal_entity: str, entities: list[Entity], columns: dict[str, list[str]]) -> str:
    return _xml("DataManagementPackageManifest", [
        ("DefinitionGroupName", DEFINITION_GROUP),
        ("Description", _description(batch_id, legal_entity)),
        ("PackageEntityList", [("DataManagementPackageEntityData", _entity_data(e, columns[e.label]))
                               for e in entities]),
    ])


def _entity_data(entity: Entity, columns: list[str]) -> list[Element]:
    return [
        ("EntityMapList", [("EntityMap", [
            ("ArrayIndex", "0"),
            ("EntityField", column.upper()),  # staging field names are the upper-case entity field names
            ("EntityFieldConversionList", None),
            ("IsAutoDefault", "false"),
            ("IsAutoGenerated", "false"),
            ("IsDefaultValueEqualNull", "false"),
            ("UseTextQualifier", "false"),
            ("XMLField", column),
        ]) for column in columns]),
        ("EntityName", entity.label),
        ("EntityTransformList", None),
        ("ExcelSheetName", ""),
        ("ExecutionUnit", str(entity.execution_unit)),
        ("FailExecutionUnitOnError", "false"),
        ("FailLevelOnError", "false"),
        ("InputFilePath", entity.file_name),
        ("LevelInExecutionUnit", str(entity.level)),
        ("RunBusinessLogic", "true"),
        ("RunBusinessValidation", "true"),
        ("SampleFilePath", ""),
        ("SequenceInLevel", "1"),
        ("SourceFormat", SOURCE_FORMAT),
        ("ValidationStatus", "Yes"),
    ]
