"""Small, explicit deliveries for scenario tests: write SPEC §1 extract files from a few Python dicts.

Every table gets its contract header (orchestration.contract); rows name only the columns that matter and the
rest stay empty. `Delivery.example_a()` is SPEC §5 example A's setup.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.contract import BY_NAME
from orchestration.generate import GeneratorConfig

ESTIMATED, USED = 690970000, 690970001
T_AND_M, FIXED_PRICE = 192350000, 192350001
SALES, COST = 192350002, 192350000


@dataclass
class Delivery:
    """Rows per table; transactional rows go to `<table>/<file>.csv`, setup rows to `<table>.csv`."""

    rows: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    files: dict[str, dict[str, list[dict]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    _version: int = 0

    def add(self, table: str, file: str | None = None, **values) -> dict:
        unknown = set(values) - set(BY_NAME[table].columns)
        assert not unknown, f"{table} has no column(s) {unknown}"
        if BY_NAME[table].transactional:
            self._version += 1
            values.setdefault("versionnumber", self._version)
            values.setdefault("isdelete", "false")
            file = file or str(values["modifiedon"])[:10]
        self.files[table][file or ""].append(values)
        return values

    def write(self, out: Path) -> Path:
        out.mkdir(parents=True, exist_ok=True)
        for table, by_file in self.files.items():
            columns = BY_NAME[table].columns
            for file, rows in by_file.items():
                path = out / f"{table}.csv" if not file else out / table / f"{file}.csv"
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(path, "w", newline="", encoding="utf-8") as fh:
                    writer = csv.writer(fh, lineterminator="\n")
                    writer.writerow(columns)
                    writer.writerows([["" if r.get(c) is None else r.get(c) for c in columns] for r in rows])
        return out

    # ------------------------------------------------------------------ a minimal, valid setup (example A)
    @classmethod
    def example_a(cls, *, nte: str = "", billing_method: int = T_AND_M, tax: str = "20") -> Delivery:
        d = cls()
        d.add("cdm_company", cdm_companycode="USMF", name="Contoso US", accountingcurrency="USD")
        d.add("taxgroup", taxgroupid="TG20", rate_percent=tax)
        d.add("account", accountid="acc-1", name="Adatum", accountnumber="C001", msdyn_company="USMF",
              transactioncurrencyid="USD", msdyn_salestaxgroup="TG20")
        d.add("uom", uomid="uom-each", name="each")
        d.add("uom", uomid="uom-hour", name="hour")
        d.add("product", productid="prod-x", productnumber="X", name="Product X", msdyn_fieldserviceproducttype=690970000,
              defaultuomid="uom-each", price="45.00", standardcost="14.00", currentcost="15.00")
        d.add("pricelevel", pricelevelid="pl-sales", name="Sales 2026", begindate="2026-01-01", enddate="2026-12-31",
              transactioncurrencyid="USD", msdyn_module=SALES, createdon="2025-12-01T00:00:00Z")
        d.add("pricelevel", pricelevelid="pl-cost", name="Cost 2026", begindate="2026-01-01", enddate="2026-12-31",
              transactioncurrencyid="USD", msdyn_module=COST, createdon="2025-12-01T00:00:00Z")
        d.add("productpricelevel", productpricelevelid="ppl-x", pricelevelid="pl-sales", productid="prod-x",
              uomid="uom-each", amount="40.00", pricingmethodcode=1, percentage="")
        d.add("msdyn_organizationalunit", msdyn_organizationalunitid="ou-1", msdyn_name="Contoso US",
              msdyn_company="USMF", transactioncurrencyid="USD")
        d.add("msdyn_projectpricelist", msdyn_pricelist="pl-cost", msdyn_organizationalunit="ou-1")
        d.add("salesorder", salesorderid="so-1", ordernumber="ORD-1", name="Adatum service", customerid="acc-1",
              transactioncurrencyid="USD", pricelevelid="pl-sales", msdyn_contractorganizationalunitid="ou-1",
              msdyn_company="USMF", msdyn_psastate=192350001)
        d.add("msdyn_projectpricelist", msdyn_pricelist="pl-sales", msdyn_salesorder="so-1")
        d.add("msdyn_project", msdyn_projectid="proj-1", msdyn_subject="Adatum repairs", msdyn_customer="acc-1",
              msdyn_contractorganizationalunitid="ou-1", msdyn_salesorderid="so-1", transactioncurrencyid="USD")
        d.add("salesorderdetail", salesorderdetailid="cl-1", salesorderid="so-1", msdyn_project="proj-1",
              msdyn_billingmethod=billing_method, msdyn_includematerial="true", msdyn_includetime="false",
              msdyn_invoicefrequency="monthly", msdyn_billingstartdate="2026-01-01",
              extendedamount="1000.00" if billing_method == FIXED_PRICE else "", msdyn_nottoexceedlimit=nte)
        d.work_order("wo-1", "2026-01-20T09:00:00Z")
        return d

    def project(self, name: str, *, billing_method: int = T_AND_M, materials: str = "true", nte: str = "",
                contract_nte: str = "", lines: int = 1, frequency: str = "monthly", start: str = "2026-01-01",
                contract: str | None = None, contracted: str = "1000.00", work_order_at: str = "2026-01-20T09:00:00Z",
                ) -> None:
        """Another project (`proj-<name>`) with its own contract (`so-<name>`, or an existing one), contract line(s)
        (`cl-<name>`) and work order (`wo-<name>`); same customer, lists and unit as example A."""
        if contract is None:
            contract = f"so-{name}"
            self.add("salesorder", salesorderid=contract, ordernumber=f"ORD-{name}", name=name, customerid="acc-1",
                     transactioncurrencyid="USD", pricelevelid="pl-sales", msdyn_contractorganizationalunitid="ou-1",
                     msdyn_company="USMF", msdyn_psastate=192350001, msdyn_nottoexceedlimit=contract_nte)
        self.add("msdyn_project", msdyn_projectid=f"proj-{name}", msdyn_subject=name, msdyn_customer="acc-1",
                 msdyn_contractorganizationalunitid="ou-1", msdyn_salesorderid=contract, transactioncurrencyid="USD")
        for i in range(lines):
            self.add("salesorderdetail", salesorderdetailid=f"cl-{name}{'-' + str(i) if i else ''}", salesorderid=contract,
                     msdyn_project=f"proj-{name}", msdyn_billingmethod=billing_method, msdyn_includematerial=materials,
                     msdyn_includetime="false", msdyn_invoicefrequency=frequency, msdyn_billingstartdate=start,
                     extendedamount=contracted if billing_method == FIXED_PRICE else "", msdyn_nottoexceedlimit=nte)
        self.work_order(f"wo-{name}", work_order_at, project=f"proj-{name}")

    def used(self, line: str, at: str, wo: str, qty: str, to_bill: str | None = None, **more) -> dict:
        return self.product_line(line, at, wo=wo, status=USED, msdyn_quantity=qty, msdyn_qtytobill=to_bill or qty,
                                 **more)

    def milestone(self, milestone_id: str, contract_line: str, invoice_date: str, amount: str, at: str,
                  ready: bool = True) -> dict:
        return self.add("msdyn_contractlinescheduleofvalue", msdyn_contractlinescheduleofvalueid=milestone_id,
                        msdyn_contractlineid=contract_line, msdyn_name=milestone_id, msdyn_invoicedate=invoice_date,
                        msdyn_amount=amount, msdyn_invoicestatus=192350001 if ready else 192350000, modifiedon=at)

    def work_order(self, wo_id: str, at: str, *, project: str = "proj-1", status: int = 690970001,
                   account: str = "acc-1", **more) -> dict:
        return self.add("msdyn_workorder", msdyn_workorderid=wo_id, msdyn_name=wo_id.upper(),
                        msdyn_serviceaccount=account, msdyn_billingaccount=account, msdyn_pricelist="pl-sales",
                        msdyn_systemstatus=status, msdyn_project=project, transactioncurrencyid="USD",
                        createdon=more.pop("createdon", at), modifiedon=at, **more)

    def product_line(self, line_id: str, at: str, *, wo: str = "wo-1", product: str = "prod-x",
                     status: int = ESTIMATED, **more) -> dict:
        values = {"msdyn_unit": "uom-each", "msdyn_pricelist": "pl-sales", **more}
        return self.add("msdyn_workorderproduct", msdyn_workorderproductid=line_id, msdyn_workorder=wo,
                        msdyn_product=product, msdyn_linestatus=status, modifiedon=at, **values)


# ---------------------------------------------------------------------- generated histories, split by day

def demo_config(demo: Path) -> GeneratorConfig:
    """The generator's settings of a generated delivery (its `_generator/summary.json`): the same history again,
    e.g. in another layout."""
    args = json.loads((demo / "_generator" / "summary.json").read_text(encoding="utf-8"))["arguments"]
    return GeneratorConfig(args["work_orders"], args["seed"], date.fromisoformat(args["start"]), args["months"],
                           args["bad_row_share"])


def split_by_day(history: Path) -> tuple[list[Path], dict[str, dict[str, list[list[str]]]]]:
    """Setup files, and every transactional row under the UTC date of its modifiedon (so nothing arrives late)."""
    setup = [p for p in history.glob("*.csv")]
    days: dict[str, dict[str, list[list[str]]]] = defaultdict(lambda: defaultdict(list))
    for table in (t for t in BY_NAME.values() if t.transactional):
        for path in sorted((history / table.name).glob("*.csv")) if (history / table.name).is_dir() else []:
            with open(path, newline="") as fh:
                reader = csv.reader(fh)
                header = next(reader)
                at = header.index("modifiedon")
                for row in reader:
                    days[row[at][:10]][table.name].append(row)
    return setup, days


def write_day(delivery: Path, day: str, tables: dict[str, list[list[str]]]) -> None:
    for table, rows in tables.items():
        (delivery / table).mkdir(parents=True, exist_ok=True)
        with open(delivery / table / f"{day}.csv", "w", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(BY_NAME[table].columns)
            writer.writerows(rows)


CANCELED = "690970005"


@dataclass
class LateHistory:
    """A generated 3-month history (40 work orders, 1 % bad rows) delivered in two runs, the shape of issue 9's I9
    test and the Spark lane's comparison: run 1 gets two thirds of the days with every 6th row of each day held
    back; run 2 gets the rest of the days, the held-back rows as late versions in files of their own, five days'
    files delivered again under other names, and cancellations (dated before the cut-off) of three work orders
    used since."""

    history: Path
    setup: list[Path]
    days: dict[str, dict[str, list[list[str]]]]

    @classmethod
    def generate(cls, history: Path, work_orders: int = 40, seed: int = 5) -> LateHistory:
        from orchestration.generate.cli import main as generate

        assert generate(["--work-orders", str(work_orders), "--seed", str(seed), "--start", "2026-01-01",
                         "--months", "3", "--bad-row-share", "0.01", "--out", str(history), "--quiet"]) == 0
        setup, days = split_by_day(history)
        return cls(history, setup, days)

    @property
    def ordered(self) -> list[str]:
        return sorted(self.days)

    @property
    def cutoff(self) -> str:
        return self.ordered[len(self.ordered) * 2 // 3]

    def write_first(self, delivery: Path) -> Path:
        delivery.mkdir(parents=True, exist_ok=True)
        for path in self.setup:
            shutil.copy(path, delivery / path.name)
        for day in (d for d in self.ordered if d < self.cutoff):
            write_day(delivery, day, {t: [r for i, r in enumerate(rows) if i % 6 != 5]
                                      for t, rows in self.days[day].items()})
        return delivery

    def write_rest(self, delivery: Path) -> Path:
        for day in (d for d in self.ordered if d >= self.cutoff):
            write_day(delivery, day, self.days[day])
        for day in (d for d in self.ordered if d < self.cutoff):  # late versions, in a file of their own
            write_day(delivery, f"{day}-late", {t: [r for i, r in enumerate(rows) if i % 6 == 5]
                                                 for t, rows in self.days[day].items()})
        for day in self.ordered[:5]:  # re-deliveries of files already landed
            for table in self.days[day]:
                shutil.copy(delivery / table / f"{day}.csv", delivery / table / f"{day}-resent.csv")
        write_day(delivery, f"{self.cutoff}-cancel", {"msdyn_workorder": self.cancellations()})
        return delivery

    def cancellations(self) -> list[list[str]]:
        """Cancel versions, dated two weeks before the cut-off but delivered after it, of three work orders whose
        lines changed since: run 1 recorded revisions later than the cancel (R15 late versions)."""
        ordered, cutoff = self.ordered, self.cutoff
        at = ordered[ordered.index(cutoff) - 14]
        columns = BY_NAME["msdyn_workorder"].columns
        latest: dict[str, list[str]] = {}
        for day in ordered:
            for row in self.days[day].get("msdyn_workorder", []):
                latest[row[columns.index("msdyn_workorderid")]] = row
        work_order = BY_NAME["msdyn_workorderproduct"].columns.index("msdyn_workorder")
        used = sorted({row[work_order] for day in ordered if at < day < cutoff
                       for row in self.days[day].get("msdyn_workorderproduct", [])})
        rows = []
        modified = columns.index("modifiedon")
        for wo in [w for w in used if w in latest and latest[w][modified] < at][:3]:  # the cancel is its last version
            row = list(latest[wo])
            row[columns.index("msdyn_systemstatus")] = CANCELED
            row[columns.index("versionnumber")] = str(int(row[columns.index("versionnumber")] or 0) + 1)
            row[columns.index("modifiedon")] = f"{at}T00:00:00Z"
            rows.append(row)
        assert rows, "no work order to cancel"
        return rows
