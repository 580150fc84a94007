"""The extract generator (orchestration/generate): contract shape, determinism, the answer key, the demo.

The checks here are written against the CSV files only (plus contract.py), not against the generator's internals,
so they double as an independent reading of what a delivery contains.
"""

from __future__ import annotations

import csv
import json
import random
import re
import shlex
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.contract import (
    BILLING_METHOD,
    BY_NAME,
    INVOICE_FREQUENCIES,
    LINE_STATUS,
    MILESTONE_STATUS,
    PRICE_LIST_MODULE,
    PRICING_METHOD,
    PRODUCT_TYPE,
    ROUNDING_POLICIES,
    TABLES,
    WORK_ORDER_STATUS,
)
from orchestration.generate import LINES_PER_WORK_ORDER, GeneratorConfig, generate
from orchestration.generate.cli import main
from orchestration.generate.csv_files import DailyFiles
from orchestration.generate.randomness import guid

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "seeds" / "demo"
KEY_COLUMNS = ["table_name", "file_name", "row_number", "record_id", "reason_code"]
ROW_REASONS = {"unparseable_row", "bad_type", "missing_required", "unknown_reference", "negative_quantity"}
BAD_REASONS = ROW_REASONS | {"duplicate_version"}
SCENARIO_REASONS = {"work_order_without_project", "ambiguous_contract_line", "company_mismatch", "no_exchange_rate"}
GENERATED_TRANSACTIONAL = ("msdyn_workorder", "msdyn_workorderproduct", "msdyn_workorderservice",
                           "msdyn_contractlinescheduleofvalue")
LINE_TABLES = ("msdyn_workorderproduct", "msdyn_workorderservice")
USED = next(str(code) for code, name in LINE_STATUS.items() if name == "used")
ESTIMATED = next(str(code) for code, name in LINE_STATUS.items() if name == "estimated")
CANCELED = next(str(code) for code, name in WORK_ORDER_STATUS.items() if name == "canceled")
SALES = next(str(code) for code, name in PRICE_LIST_MODULE.items() if name == "sales")
FIXED_PRICE = next(str(code) for code, name in BILLING_METHOD.items() if name == "fixed_price")
READY = next(str(code) for code, name in MILESTONE_STATUS.items() if name == "ready")
SERVICE_TYPE = next(str(code) for code, name in PRODUCT_TYPE.items() if name == "service")
INVENTORY_TYPE = next(str(code) for code, name in PRODUCT_TYPE.items() if name == "inventory")

# -- column types (the contract names columns; their text forms are SPEC §1.1) --------------------------------
GUID = {
    "accountid", "productid", "defaultuomid", "uomid", "msdyn_workorderid", "msdyn_serviceaccount",
    "msdyn_billingaccount", "msdyn_pricelist", "msdyn_project", "msdyn_projecttask", "msdyn_workorderproductid",
    "msdyn_workorder", "msdyn_product", "msdyn_unit", "msdyn_warehouse", "msdyn_workorderserviceid",
    "msdyn_service", "pricelevelid", "productpricelevelid", "msdyn_fieldservicepricelistitemid",
    "msdyn_organizationalunitid", "msdyn_organizationalunit", "msdyn_salesorder", "msdyn_projectpricelistid",
    "msdyn_projectid", "msdyn_customer", "msdyn_contractorganizationalunitid", "msdyn_salesorderid",
    "salesorderid", "customerid", "salesorderdetailid", "msdyn_contractlinescheduleofvalueid",
    "msdyn_contractlineid",
}
INTEGER = {
    "versionnumber", "msdyn_systemstatus", "msdyn_linestatus", "msdyn_fieldserviceproducttype", "msdyn_module",
    "pricingmethodcode", "msdyn_billingmethod", "msdyn_invoicestatus", "msdyn_psastate", "msdyn_estimateduration",
    "msdyn_duration", "msdyn_durationtobill", "msdyn_minimumchargeduration", "msdyn_roundingto",
}
DECIMAL = {
    "price", "standardcost", "currentcost", "amount", "percentage", "msdyn_estimatequantity", "msdyn_quantity",
    "msdyn_qtytobill", "msdyn_discountpercent", "msdyn_additionalcost", "msdyn_commissioncosts",
    "msdyn_unitamount", "msdyn_unitcost", "msdyn_minimumchargeamount", "extendedamount", "msdyn_nottoexceedlimit",
    "msdyn_amount", "rate", "rate_percent",
}
DATE = {"begindate", "enddate", "msdyn_billingstartdate", "msdyn_actualend", "msdyn_invoicedate", "validfrom"}
TIMESTAMP = {"modifiedon", "createdon", "msdyn_completedon"}
BOOLEAN = {"isdelete", "msdyn_flatfee", "msdyn_includematerial", "msdyn_includetime"}
TEXT = {
    "name", "accountnumber", "msdyn_company", "transactioncurrencyid", "msdyn_salestaxgroup", "productnumber",
    "msdyn_name", "msdyn_roundingpolicy", "msdyn_subject", "msdyn_projectgroup", "ordernumber",
    "msdyn_invoicefrequency", "cdm_companycode", "accountingcurrency", "fromcurrency", "tocurrency", "taxgroupid",
    # only in tables the generator does not write
    "msdyn_materialusagelog", "msdyn_recordstage", "msdyn_approvedon", "invoiceid", "msdyn_projectinvoicestatus",
}
NOT_EMPTY = {
    "msdyn_workorder": ("msdyn_workorderid", "msdyn_serviceaccount", "msdyn_billingaccount", "msdyn_pricelist",
                        "msdyn_systemstatus", "transactioncurrencyid", "createdon", "versionnumber", "modifiedon"),
    "msdyn_workorderproduct": ("msdyn_workorderproductid", "msdyn_workorder", "msdyn_product", "msdyn_unit",
                               "msdyn_pricelist", "msdyn_linestatus", "versionnumber", "modifiedon"),
    "msdyn_workorderservice": ("msdyn_workorderserviceid", "msdyn_workorder", "msdyn_service", "msdyn_unit",
                               "msdyn_pricelist", "msdyn_linestatus", "versionnumber", "modifiedon"),
    "msdyn_contractlinescheduleofvalue": ("msdyn_contractlinescheduleofvalueid", "msdyn_contractlineid",
                                          "msdyn_invoicedate", "msdyn_amount", "msdyn_invoicestatus",
                                          "versionnumber", "modifiedon"),
}
# column -> table whose key it references
REFERENCES = {
    "msdyn_workorder": {"msdyn_serviceaccount": "account", "msdyn_billingaccount": "account",
                        "msdyn_pricelist": "pricelevel", "msdyn_project": "msdyn_project"},
    "msdyn_workorderproduct": {"msdyn_workorder": "msdyn_workorder", "msdyn_product": "product",
                               "msdyn_unit": "uom", "msdyn_pricelist": "pricelevel"},
    "msdyn_workorderservice": {"msdyn_workorder": "msdyn_workorder", "msdyn_service": "product",
                               "msdyn_unit": "uom", "msdyn_pricelist": "pricelevel"},
    "msdyn_contractlinescheduleofvalue": {"msdyn_contractlineid": "salesorderdetail"},
    "account": {"msdyn_company": "cdm_company", "msdyn_salestaxgroup": "taxgroup"},
    "product": {"defaultuomid": "uom"},
    "productpricelevel": {"pricelevelid": "pricelevel", "productid": "product", "uomid": "uom"},
    "msdyn_fieldservicepricelistitem": {"msdyn_pricelist": "pricelevel", "msdyn_product": "product"},
    "msdyn_organizationalunit": {"msdyn_company": "cdm_company"},
    "msdyn_projectpricelist": {"msdyn_pricelist": "pricelevel", "msdyn_organizationalunit":
                               "msdyn_organizationalunit", "msdyn_salesorder": "salesorder"},
    "msdyn_project": {"msdyn_customer": "account", "msdyn_contractorganizationalunitid": "msdyn_organizationalunit",
                      "msdyn_salesorderid": "salesorder"},
    "salesorder": {"customerid": "account", "pricelevelid": "pricelevel",
                   "msdyn_contractorganizationalunitid": "msdyn_organizationalunit", "msdyn_company": "cdm_company"},
    "salesorderdetail": {"salesorderid": "salesorder", "msdyn_project": "msdyn_project"},
}
QUANTITIES = ("msdyn_estimatequantity", "msdyn_quantity", "msdyn_qtytobill", "msdyn_estimateduration",
              "msdyn_duration", "msdyn_durationtobill")
GUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
INT_RE = re.compile(r"-?\d+")
DEC_RE = re.compile(r"-?\d+(\.\d{1,6})?")


def valid(column: str, text: str) -> bool:
    """Empty (null) or a well-formed value of the column's type."""
    if text == "":
        return True
    if column in GUID:
        return GUID_RE.fullmatch(text) is not None
    if column in INTEGER:
        return INT_RE.fullmatch(text) is not None
    if column in DECIMAL:
        return DEC_RE.fullmatch(text) is not None
    if column in BOOLEAN:
        return text in ("true", "false")
    try:
        if column in DATE:
            return re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None and bool(date.fromisoformat(text))
        if column in TIMESTAMP:
            return bool(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return False
    assert column in TEXT, f"column {column} has no type in this test"
    return True


# -- reading a delivery -------------------------------------------------------------------------------------
@dataclass
class Row:
    table: str
    file_name: str
    number: int
    fields: list[str]

    @property
    def ok_shape(self) -> bool:
        return len(self.fields) == len(BY_NAME[self.table].columns)

    def __getitem__(self, column: str) -> str:
        return self.fields[BY_NAME[self.table].columns.index(column)]

    @property
    def record_id(self) -> str:
        return self.fields[0]

    @property
    def product(self) -> str:
        return self["msdyn_service" if self.table == "msdyn_workorderservice" else "msdyn_product"]

    @property
    def estimate(self) -> str:
        return self["msdyn_estimateduration" if self.table == "msdyn_workorderservice" else "msdyn_estimatequantity"]


@dataclass
class Delivery:
    root: Path
    setup: dict[str, list[dict[str, str]]]
    rows: dict[str, list[Row]]
    key: list[dict[str, str]]
    summary: dict

    def ids(self, table: str) -> set[str]:
        if table in self.setup:
            column = BY_NAME[table].key[0]
            return {r[column] for r in self.setup[table]}
        return {row.record_id for row in self.rows[table]}


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def load(root: Path) -> Delivery:
    setup, rows = {}, {}
    for table in TABLES:
        if (root / f"{table.name}.csv").exists():
            header, *data = read_csv(root / f"{table.name}.csv")
            setup[table.name] = [dict(zip(header, r, strict=True)) for r in data]
        if (root / table.name).is_dir():
            rows[table.name] = []
            for path in sorted((root / table.name).glob("*.csv")):
                header, *data = read_csv(path)
                name = f"{table.name}/{path.name}"
                rows[table.name] += [Row(table.name, name, k, r) for k, r in enumerate(data, start=1)]
    key = [dict(zip(KEY_COLUMNS, r, strict=True)) for r in read_csv(root / "_generator/expected_rejections.csv")[1:]]
    summary = json.loads((root / "_generator/summary.json").read_text(encoding="utf-8"))
    return Delivery(root, setup, rows, key, summary)


def row_problems(delivery: Delivery, row: Row) -> set[str]:
    """The R4 row-level reasons a row deserves (empty for a well-formed row)."""
    if not row.ok_shape:
        return {"unparseable_row"}
    found = set()
    columns = BY_NAME[row.table].columns
    if not all(valid(c, v) for c, v in zip(columns, row.fields, strict=True)):
        found.add("bad_type")
    if any(row[c] == "" for c in NOT_EMPTY[row.table]):
        found.add("missing_required")
    for column, target in REFERENCES[row.table].items():
        if row[column] and valid(column, row[column]) and row[column] not in delivery.ids(target):
            found.add("unknown_reference")
    for column in QUANTITIES:
        if column in columns and row[column] and valid(column, row[column]) and Decimal(row[column]) < 0:
            found.add("negative_quantity")
    return found


def by_position(delivery: Delivery) -> dict[tuple[str, int], dict[str, str]]:
    return {(k["file_name"], int(k["row_number"])): k for k in delivery.key}


def good_rows(delivery: Delivery, table: str) -> list[Row]:
    listed = by_position(delivery)
    return [r for r in delivery.rows.get(table, []) if listed.get((r.file_name, r.number), {}).get(
        "reason_code") not in BAD_REASONS]


def current(rows: list[Row]) -> dict[str, Row]:
    result: dict[str, Row] = {}
    for row in rows:
        best = result.get(row.record_id)
        if best is None or int(row["versionnumber"]) > int(best["versionnumber"]):
            result[row.record_id] = row
    return result


def history(rows: list[Row]) -> dict[str, list[Row]]:
    result: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        result[row.record_id].append(row)
    for versions in result.values():
        versions.sort(key=lambda r: int(r["versionnumber"]))
    return result


# -- fixtures -------------------------------------------------------------------------------------------------
SMALL = GeneratorConfig(work_orders=150, seed=3, start=date(2026, 3, 1), months=3, bad_row_share=0.02)


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small") / "delivery"
    generate(SMALL, out, progress=None)
    return out


@pytest.fixture(scope="module", params=["small", "demo"])
def delivery(request: pytest.FixtureRequest, small_dir: Path) -> Delivery:
    return load(small_dir if request.param == "small" else DEMO)


@pytest.fixture(scope="module")
def demo() -> Delivery:
    return load(DEMO)


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- determinism ------------------------------------------------------------------------------------------------
def test_same_arguments_give_byte_identical_deliveries_and_another_seed_differs(tmp_path: Path,
                                                                                 small_dir: Path) -> None:
    generate(SMALL, tmp_path / "again", progress=None)
    assert tree(tmp_path / "again") == tree(small_dir)
    other = GeneratorConfig(SMALL.work_orders, SMALL.seed + 1, SMALL.start, SMALL.months, SMALL.bad_row_share)
    generate(other, tmp_path / "other", progress=None)
    first, second = tree(small_dir), tree(tmp_path / "other")
    assert first["msdyn_workorder/2026-03-02.csv"] != second.get("msdyn_workorder/2026-03-02.csv")
    assert first["product.csv"] != second["product.csv"]


def test_demo_equals_what_its_documented_command_produces(tmp_path: Path) -> None:
    readme = (DEMO / "_generator" / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^\s*python -m orchestration\.generate (.+)$", readme, flags=re.MULTILINE)
    assert len(commands) == 1, "the demo README must give exactly one generator command"
    argv = shlex.split(commands[0])
    argv[argv.index("--out") + 1] = str(tmp_path / "demo")
    assert main([*argv, "--quiet"]) == 0
    expected = {name: data for name, data in tree(DEMO).items() if name != "_generator/README.md"}
    assert tree(tmp_path / "demo") == expected, "seeds/demo is stale: rerun the command in its README"


# -- the contract shape -------------------------------------------------------------------------------------
def test_every_file_has_the_contract_header_and_the_expected_layout(delivery: Delivery) -> None:
    root = delivery.root
    names = {p.name for p in root.iterdir()}
    for table in TABLES:
        if table.transactional:
            assert f"{table.name}.csv" not in names
            if table.name in GENERATED_TRANSACTIONAL:
                files = sorted((root / table.name).glob("*.csv"))
                assert files, table.name
                assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}\.csv", f.name) for f in files)
            else:
                assert table.name not in names  # approvals and invoices reference ids the pipeline creates
        else:
            assert f"{table.name}.csv" in names, table.name
    assert names - {t.name for t in TABLES} - {f"{t.name}.csv" for t in TABLES} == {"_generator"}
    for path in root.rglob("*.csv"):
        if path.parent.name == "_generator":
            continue
        table = path.parent.name if path.parent != root else path.stem
        data = path.read_bytes()
        assert b"\r" not in data, path
        assert data.decode("utf-8").split("\n", 1)[0] == ",".join(BY_NAME[table].columns), path
    assert read_csv(root / "_generator/expected_rejections.csv")[0] == KEY_COLUMNS


def test_setup_tables_are_well_formed_and_consistent(delivery: Delivery) -> None:
    for table, records in delivery.setup.items():
        assert records, table
        for record in records:
            for column, text in record.items():
                assert valid(column, text), (table, column, text)
            assert record[BY_NAME[table].key[0]], (table, record)
            for column, target in REFERENCES.get(table, {}).items():
                if record[column]:  # empty: e.g. the blank-product field-service item
                    assert record[column] in delivery.ids(target), (table, column)
        keys = [tuple(r[c] for c in BY_NAME[table].key) for r in records]
        assert len(keys) == len(set(keys)), f"duplicate keys in {table}"
    for item in delivery.setup["msdyn_projectpricelist"]:
        assert bool(item["msdyn_organizationalunit"]) != bool(item["msdyn_salesorder"])
    for item in delivery.setup["productpricelevel"]:
        assert item["pricingmethodcode"] in {str(code) for code in PRICING_METHOD}
        assert bool(item["amount"]) == (item["pricingmethodcode"] == "1")
        assert bool(item["percentage"]) != bool(item["amount"])
    for item in delivery.setup["msdyn_fieldservicepricelistitem"]:
        assert item["msdyn_roundingpolicy"] in ROUNDING_POLICIES
    assert {r["msdyn_invoicefrequency"] for r in delivery.setup["salesorderdetail"]} <= set(INVOICE_FREQUENCIES)
    products = {p["productid"]: p for p in delivery.setup["product"]}
    units = {u["uomid"]: u["name"] for u in delivery.setup["uom"]}
    for p in products.values():
        assert max(len(p[c].partition(".")[2]) for c in ("price", "standardcost", "currentcost")) <= 4
        if p["msdyn_fieldserviceproducttype"] == SERVICE_TYPE:
            assert units[p["defaultuomid"]] == "hour"
    accounts = {a["accountid"]: a for a in delivery.setup["account"]}
    projects = {p["msdyn_projectid"]: p for p in delivery.setup["msdyn_project"]}
    companies = {c["cdm_companycode"]: c for c in delivery.setup["cdm_company"]}
    lists = {pl["pricelevelid"]: pl for pl in delivery.setup["pricelevel"]}
    for contract in delivery.setup["salesorder"]:
        customer = accounts[contract["customerid"]]
        assert contract["msdyn_company"] == customer["msdyn_company"]
        assert contract["transactioncurrencyid"] == customer["transactioncurrencyid"]
        assert lists[contract["pricelevelid"]]["transactioncurrencyid"] == contract["transactioncurrencyid"]
        assert lists[contract["pricelevelid"]]["msdyn_module"] == SALES
    for project in projects.values():
        contract = next(c for c in delivery.setup["salesorder"] if c["salesorderid"] == project["msdyn_salesorderid"])
        assert contract["customerid"] == project["msdyn_customer"]
    for unit in delivery.setup["msdyn_organizationalunit"]:
        assert unit["transactioncurrencyid"] == companies[unit["msdyn_company"]]["accountingcurrency"]
    start = date.fromisoformat(delivery.summary["period"]["start"])
    for line in delivery.setup["salesorderdetail"]:
        assert date.fromisoformat(line["msdyn_billingstartdate"]) <= start
    assert min(date.fromisoformat(r["validfrom"]) for r in delivery.setup["exchangerate"]) < start


# -- the transactional rows -----------------------------------------------------------------------------------
def test_listed_bad_rows_are_bad_as_stated_and_every_other_row_is_well_formed(delivery: Delivery) -> None:
    listed = by_position(delivery)
    assert len(listed) == len(delivery.key), "a row is listed twice"
    seen = Counter()
    for table, rows in delivery.rows.items():
        for row in rows:
            entry = listed.pop((row.file_name, row.number), None)
            reason = entry["reason_code"] if entry else None
            problems = row_problems(delivery, row)
            if reason in ROW_REASONS:
                assert problems == {reason}, (row.file_name, row.number, reason, problems)
            else:
                assert not problems, (row.file_name, row.number, problems, row.fields)
            if entry:
                assert entry["table_name"] == table
                assert entry["record_id"] == (row.fields[0] if row.fields else "")
                seen[reason] += 1
    assert not listed, f"listed rows that do not exist: {sorted(listed)[:5]}"
    assert dict(seen) == delivery.summary["expected_rejections"]


def test_duplicate_versions_are_listed_in_pairs_and_other_versions_are_unique(delivery: Delivery) -> None:
    listed = by_position(delivery)
    for table in GENERATED_TRANSACTIONAL:
        groups = defaultdict(list)
        for row in delivery.rows[table]:
            if row.ok_shape and not row_problems(delivery, row):
                groups[(row.record_id, row["versionnumber"])].append(row)
        for (record_id, _), rows in groups.items():
            reasons = {listed.get((r.file_name, r.number), {}).get("reason_code") for r in rows}
            if len(rows) > 1:
                assert len({tuple(r.fields) for r in rows}) == len(rows), "an exact copy is not a conflict"
                assert reasons == {"duplicate_version"}, (table, record_id)
            else:
                assert reasons != {"duplicate_version"}, (table, record_id)


def test_files_are_dated_by_modifiedon_except_the_deliberately_late_rows(delivery: Delivery) -> None:
    late = 0
    cutoff = delivery.summary["period"]["extract_taken_at"]
    for table in GENERATED_TRANSACTIONAL:
        for row in good_rows(delivery, table):
            modified = row["modifiedon"]
            assert modified < cutoff
            file_day = row.file_name.rsplit("/", 1)[1].removesuffix(".csv")
            if file_day != modified[:10]:
                assert file_day > modified[:10], (row.file_name, modified)
                assert date.fromisoformat(file_day) - date.fromisoformat(modified[:10]) <= timedelta(days=3)
                late += 1
    assert late == delivery.summary["events"].get("late_arrival", 0)


def test_versions_of_each_record_increase_with_modifiedon(delivery: Delivery) -> None:
    numbers = Counter()
    for table in GENERATED_TRANSACTIONAL:
        for record_id, versions in history(good_rows(delivery, table)).items():
            stamps = [v["modifiedon"] for v in versions]
            assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps), (table, record_id)
            numbers.update(v["versionnumber"] for v in versions)
            assert all(v["isdelete"] == "false" for v in versions[:-1]), "a deletion is the last version"
    assert max(numbers.values()) == 1, "versionnumber is a global counter: no two good rows share one"


def test_work_order_and_line_histories_are_plausible(delivery: Delivery) -> None:
    work_orders = history(good_rows(delivery, "msdyn_workorder"))
    lists = {pl["pricelevelid"]: pl for pl in delivery.setup["pricelevel"]}
    for versions in work_orders.values():
        assert len({v["createdon"] for v in versions}) == 1
        assert versions[0]["createdon"] == versions[0]["modifiedon"]
        assert lists[versions[0]["msdyn_pricelist"]]["msdyn_module"] == SALES
        assert lists[versions[0]["msdyn_pricelist"]]["transactioncurrencyid"] == versions[0]["transactioncurrencyid"]
    for table, quantity, to_bill in (("msdyn_workorderproduct", "msdyn_quantity", "msdyn_qtytobill"),
                                     ("msdyn_workorderservice", "msdyn_duration", "msdyn_durationtobill")):
        for versions in history(good_rows(delivery, table)).values():
            assert versions[0]["msdyn_linestatus"] == ESTIMATED
            created = work_orders[versions[0]["msdyn_workorder"]][0]["modifiedon"]
            assert versions[0]["modifiedon"] > created
            for v in versions:
                if v["msdyn_linestatus"] == USED:
                    assert Decimal(v[to_bill]) <= Decimal(v[quantity])


def scenario_reasons(delivery: Delivery) -> dict[tuple[str, str], str]:
    """Work out from the data alone which lines the pipeline must reject for a business reason: the current
    version of each used line of a work order without project, with two contract lines that include material,
    whose service account's company is not the contract's, or whose currency has no rate to the company's."""
    accounts = {a["accountid"]: a for a in delivery.setup["account"]}
    currency = {c["cdm_companycode"]: c["accountingcurrency"] for c in delivery.setup["cdm_company"]}
    projects = {p["msdyn_projectid"]: p for p in delivery.setup["msdyn_project"]}
    contracts = {c["salesorderid"]: c for c in delivery.setup["salesorder"]}
    material = Counter(line["msdyn_project"] for line in delivery.setup["salesorderdetail"]
                       if line["msdyn_includematerial"] == "true")
    rates = {(r["fromcurrency"], r["tocurrency"]) for r in delivery.setup["exchangerate"]}
    work_orders = current(good_rows(delivery, "msdyn_workorder"))
    result = {}
    for table in LINE_TABLES:
        for line in current(good_rows(delivery, table)).values():
            wo = work_orders[line["msdyn_workorder"]]
            if line["msdyn_linestatus"] != USED or line["isdelete"] == "true" or wo["msdyn_systemstatus"] == CANCELED:
                continue
            company = accounts[wo["msdyn_serviceaccount"]]["msdyn_company"]
            reasons = []
            if not wo["msdyn_project"]:
                reasons.append("work_order_without_project")
            else:
                project = projects[wo["msdyn_project"]]
                if material[project["msdyn_projectid"]] > 1:
                    reasons.append("ambiguous_contract_line")
                if company != contracts[project["msdyn_salesorderid"]]["msdyn_company"]:
                    reasons.append("company_mismatch")
            if wo["transactioncurrencyid"] != currency[company] and (
                    (wo["transactioncurrencyid"], currency[company]) not in rates):
                reasons.append("no_exchange_rate")
            assert len(reasons) <= 1, f"a scenario line must have one reason: {reasons}"
            if reasons:
                result[(line.file_name, str(line.number))] = reasons[0]
    return result


def test_scenario_rejections_are_exactly_the_current_used_lines_of_scenario_work_orders(delivery: Delivery) -> None:
    listed = {(k["file_name"], k["row_number"]): k["reason_code"] for k in delivery.key
              if k["reason_code"] in SCENARIO_REASONS}
    assert listed == scenario_reasons(delivery)
    assert set(listed.values()) == SCENARIO_REASONS


def test_bad_rows_are_about_the_requested_share_and_of_every_kind(delivery: Delivery) -> None:
    bad = delivery.summary["bad_rows"]
    total = sum(delivery.summary["row_versions"].values())
    share = delivery.summary["arguments"]["bad_row_share"]
    assert share / 2 <= bad["rows"] / total <= share * 1.5
    assert all(bad["by_reason"][reason] >= 1 for reason in BAD_REASONS)
    assert bad["by_reason"]["duplicate_version"] % 2 == 0


# -- the demo's coverage --------------------------------------------------------------------------------------
def test_demo_covers_every_scenario(demo: Delivery) -> None:
    s = demo.setup
    work_orders = history(good_rows(demo, "msdyn_workorder"))
    lines = {table: history(good_rows(demo, table)) for table in LINE_TABLES}
    all_lines = [versions for table in LINE_TABLES for versions in lines[table].values()]
    used_lines = [v for v in all_lines if any(x["msdyn_linestatus"] == USED for x in v)]

    # legal entities, currencies, rates
    assert len({c["accountingcurrency"] for c in s["cdm_company"]}) >= 2
    accounting = {c["cdm_companycode"]: c["accountingcurrency"] for c in s["cdm_company"]}
    accounts = {a["accountid"]: a for a in s["account"]}
    rates = {(r["fromcurrency"], r["tocurrency"]) for r in s["exchangerate"]}
    foreign = [wo for wo in work_orders.values() if wo[0]["transactioncurrencyid"] != accounting[
        accounts[wo[0]["msdyn_serviceaccount"]]["msdyn_company"]] and (wo[0]["transactioncurrencyid"], accounting[
            accounts[wo[0]["msdyn_serviceaccount"]]["msdyn_company"]]) in rates]
    assert foreign, "work orders in a currency other than their legal entity's, with rates"
    assert {t["rate_percent"] for t in s["taxgroup"]} >= {"0", "7.5", "20"}
    assert {a["msdyn_salestaxgroup"] for a in s["account"]} <= {t["taxgroupid"] for t in s["taxgroup"]}

    # products and pricing
    assert {p["msdyn_fieldserviceproducttype"] for p in s["product"]} == {str(c) for c in PRODUCT_TYPE}
    sales_lists = {pl["pricelevelid"]: pl for pl in s["pricelevel"] if pl["msdyn_module"] == SALES}
    assert any(pl["enddate"] == "" for pl in sales_lists.values())
    assert sum(pl["enddate"] != "" for pl in sales_lists.values()) >= 3
    assert {pl["transactioncurrencyid"] for pl in sales_lists.values()} >= {
        c["transactioncurrencyid"] for c in s["salesorder"]}
    assert any(pl["msdyn_module"] != SALES for pl in s["pricelevel"])
    items = {(i["pricelevelid"], i["productid"]) for i in s["productpricelevel"]}
    assert {i["pricingmethodcode"] for i in s["productpricelevel"] if i["pricelevelid"] in sales_lists} == {
        "1", "3", "5"}
    fallback = [v for v in used_lines if (v[0]["msdyn_pricelist"], v[0].product) not in items]
    assert fallback, "some used line has no price list item (list price fallback)"
    fs = s["msdyn_fieldservicepricelistitem"]
    assert {i["msdyn_roundingpolicy"] for i in fs} == set(ROUNDING_POLICIES)
    assert {i["msdyn_roundingto"] for i in fs} >= {"15", "30"}
    assert any(i["msdyn_flatfee"] == "true" for i in fs)
    assert any(i["msdyn_product"] == "" for i in fs)
    assert any(Decimal(i["msdyn_minimumchargeamount"]) > 0 and int(i["msdyn_minimumchargeduration"]) > 0
               for i in fs)
    fs_lists = {i["msdyn_pricelist"] for i in fs}
    assert any(v[0]["msdyn_pricelist"] in fs_lists for v in lines["msdyn_workorderservice"].values())
    assert any(pl["msdyn_organizationalunit"] for pl in s["msdyn_projectpricelist"])
    assert any(pl["msdyn_salesorder"] for pl in s["msdyn_projectpricelist"])

    # contracts
    details = s["salesorderdetail"]
    material = Counter(d["msdyn_project"] for d in details if d["msdyn_includematerial"] == "true")
    projects_without_material = [p for p in s["msdyn_project"] if material[p["msdyn_projectid"]] == 0]
    assert projects_without_material
    assert any(wo[-1]["msdyn_project"] in {p["msdyn_projectid"] for p in projects_without_material}
               for wo in work_orders.values())
    assert {d["msdyn_invoicefrequency"] for d in details if d["msdyn_includematerial"] == "true"} == set(
        INVOICE_FREQUENCIES)
    assert any(c["msdyn_nottoexceedlimit"] for c in s["salesorder"])
    milestones = history(good_rows(demo, "msdyn_contractlinescheduleofvalue"))
    for line in (d for d in details if d["msdyn_billingmethod"] == FIXED_PRICE):
        amounts = [v[-1]["msdyn_amount"] for v in milestones.values() if v[0]["msdyn_contractlineid"]
                   == line["salesorderdetailid"]]
        assert len(amounts) >= 3 and sum(map(Decimal, amounts)) == Decimal(line["extendedamount"])
    assert any(v[0]["msdyn_invoicestatus"] != READY and v[-1]["msdyn_invoicestatus"] == READY
               for v in milestones.values())
    # NTE: the list-price value of the billable quantities on some limited line is far above its limit
    products = {p["productid"]: Decimal(p["price"]) for p in s["product"]}
    project_of = {wo_id: v[-1]["msdyn_project"] for wo_id, v in work_orders.items()}
    billable = Counter()
    for table, to_bill in (("msdyn_workorderproduct", "msdyn_qtytobill"),
                           ("msdyn_workorderservice", "msdyn_durationtobill")):
        for v in current(good_rows(demo, table)).values():
            if v["msdyn_linestatus"] == USED and v["isdelete"] == "false":
                hours = Decimal(v[to_bill]) / (60 if table == "msdyn_workorderservice" else 1)
                billable[project_of[v["msdyn_workorder"]]] += hours * products[v.product]
    limited = [d for d in details if d["msdyn_nottoexceedlimit"]]
    assert any(billable[d["msdyn_project"]] > 2 * Decimal(d["msdyn_nottoexceedlimit"]) for d in limited)

    # work order life cycles
    def statuses(v: list[Row]) -> list[str]:
        return [WORK_ORDER_STATUS[int(x["msdyn_systemstatus"])] for x in v]

    assert sum(statuses(v)[-1] == "posted" for v in work_orders.values()) > len(work_orders) / 2
    used_on = Counter(v[0]["msdyn_workorder"] for v in used_lines)
    canceled = [wo_id for wo_id, v in work_orders.items() if statuses(v)[-1] == "canceled"]
    assert canceled and all(used_on[wo_id] for wo_id in canceled)
    moved = [v for v in work_orders.values() if len({x["msdyn_project"] for x in v}) > 1]
    assert moved and all(v[0]["msdyn_project"] for v in moved)
    assert any(not v[-1]["msdyn_project"] for v in work_orders.values())

    # line life cycles
    def status_path(v: list[Row]) -> list[str]:
        return [x["msdyn_linestatus"] for x in v]

    assert any(status_path(v) == [ESTIMATED] for v in all_lines), "estimated, never used"
    assert any(v[0].estimate == "0" for v in used_lines), "estimate 0 (added on site)"
    assert any(USED in status_path(v) and status_path(v)[-1] == ESTIMATED for v in all_lines), "back to estimated"
    assert any(v[-1]["isdelete"] == "true" for v in used_lines), "deleted after use"
    edited = [v for v in used_lines if status_path(v).count(USED) >= 2]
    assert edited
    first_use = {id(v): next(x["modifiedon"] for x in v if x["msdyn_linestatus"] == USED) for v in edited}
    assert any(datetime.fromisoformat(v[-1]["modifiedon"]) - datetime.fromisoformat(first_use[id(v)])
               > timedelta(days=14) for v in edited), "an edit weeks after use"
    assert demo.summary["events"]["late_arrival"] >= 1
    columns = ("msdyn_discountpercent", "msdyn_additionalcost", "msdyn_commissioncosts", "msdyn_unitamount",
               "msdyn_unitcost")
    for column in columns:
        assert any(x[column] for v in used_lines for x in v), column
    inventory = {p["productid"] for p in s["product"] if p["msdyn_fieldserviceproducttype"] == INVENTORY_TYPE}
    product_lines = lines["msdyn_workorderproduct"].values()
    assert all(bool(v[0]["msdyn_warehouse"]) == (v[0]["msdyn_product"] in inventory) for v in product_lines)
    assert any(Decimal(x["msdyn_qtytobill"]) < Decimal(x["msdyn_quantity"])
               for v in product_lines for x in v if x["msdyn_quantity"])
    assert any(int(x["msdyn_durationtobill"]) < int(x["msdyn_duration"])
               for v in lines["msdyn_workorderservice"].values() for x in v if x["msdyn_duration"])

    # the answer key: every kind, and a few scenario work orders
    reasons = Counter(k["reason_code"] for k in demo.key)
    assert set(reasons) == BAD_REASONS | SCENARIO_REASONS
    assert reasons["company_mismatch"] >= 1 and reasons["no_exchange_rate"] >= 1
    assert sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file()) < 2_000_000


# -- the command line and the streaming writer -------------------------------------------------------------------
def test_lines_option_sizes_work_orders_and_a_non_empty_folder_needs_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "lines"
    argv = ["--lines", "100", "--seed", "5", "--months", "1", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    summary = json.loads((out / "_generator/summary.json").read_text(encoding="utf-8"))
    assert summary["work_orders"] == 100 // LINES_PER_WORK_ORDER
    assert main(argv) == 2, "refuses to write into a non-empty folder"
    (out / "_generator" / "notes.md").write_text("kept", encoding="utf-8")
    (out / "msdyn_projectapproval").mkdir()
    assert main([*argv, "--overwrite"]) == 0
    assert (out / "_generator" / "notes.md").read_text(encoding="utf-8") == "kept"
    assert not (out / "msdyn_projectapproval").exists()
    assert main(["--work-orders", "0", "--out", str(tmp_path / "none"), "--quiet"]) == 2


def test_daily_files_refuse_a_day_that_was_closed(tmp_path: Path) -> None:
    files = DailyFiles(tmp_path, "msdyn_workorder", batch_rows=2)
    blank = [""] * len(BY_NAME["msdyn_workorder"].columns)
    assert [files.add(20_000, blank), files.add(20_000, blank), files.add(20_001, blank)] == [1, 2, 1]
    files.close_before(20_001)
    with pytest.raises(RuntimeError, match="already closed"):
        files.add(20_000, blank)
    files.close()
    assert len(read_csv(tmp_path / "msdyn_workorder" / "2024-10-04.csv")) == 3


def test_guids_are_uuid4_strings_drawn_from_the_seeded_stream() -> None:
    a, b = random.Random(1), random.Random(1)
    for _ in range(100):
        assert guid(a) == str(uuid.UUID(int=b.getrandbits(128), version=4))
