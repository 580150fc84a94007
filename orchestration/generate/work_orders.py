"""The life of one work order and its lines, as the row versions Dataverse would capture.

Work order: unscheduled → scheduled → in progress → completed → (mostly) posted over the following days; about
3 % are canceled after some lines were used, about 2 % move to another project of the same customer after
completion. Lines: version 1 Estimated (about 5 % with estimate 0: lines added on site), then Used; after use
about 8 % are edited (some weeks later), 2 % set back to Estimated, 2 % deleted.

Scenario work orders (no project, company mismatch, ambiguous contract line, missing exchange rate) are
*plain*: every line is estimated then used once, nothing else happens to them, so the current version of each
line is the Used row that the pipeline must reject with the scenario's reason.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from orchestration.contract import LINE_STATUS, WORK_ORDER_STATUS

from .catalogue import INVENTORY, Product
from .config import GeneratorConfig
from .contracts import Project
from .csv_files import column_index
from .formats import DAY, HOUR, fixed, iso_timestamp, quantity
from .parties import PRICE_FACTOR, Customer
from .randomness import Quota, guid
from .reference import Reference

WORK_ORDER, PRODUCT_LINE, SERVICE_LINE = "msdyn_workorder", "msdyn_workorderproduct", "msdyn_workorderservice"
_STATUS = {name: str(code) for code, name in WORK_ORDER_STATUS.items()}
_LINE_STATUS = {name: str(code) for code, name in LINE_STATUS.items()}
ESTIMATED, USED = _LINE_STATUS["estimated"], _LINE_STATUS["used"]

NO_PROJECT = "work_order_without_project"
COMPANY_MISMATCH = "company_mismatch"
AMBIGUOUS_LINE = "ambiguous_contract_line"
NO_RATE = "no_exchange_rate"
SCENARIO_REASONS = (NO_PROJECT, COMPANY_MISMATCH, AMBIGUOUS_LINE, NO_RATE)

LINE_COUNTS = (2, 3, 4, 5, 5, 6, 7, 8)  # lines per work order; the mean is LINES_PER_WORK_ORDER
SERVICE_SHARE = 0.4
_DISCOUNTS = ("5", "10", "12.5", "15", "20", "25")
_ESTIMATE_MINUTES = (30, 45, 60, 90, 120, 180, 240)


@dataclass(slots=True)
class RecordHistory:
    table: str
    record_id: str
    versions: list[tuple[int, str, list[str]]]  # (modifiedon seconds, event, row without version columns)


@dataclass(slots=True)
class WorkOrderHistory:
    index: int
    id: str
    created: int
    started: int  # in progress
    price_list: str
    currency: str
    company: str  # of the service account
    reason: str | None  # scenario: the R4 reason every used line must be rejected with
    normal: bool  # not a scenario, not canceled, not moved: bad rows may refer to it
    work_order: RecordHistory
    lines: list[RecordHistory] = field(default_factory=list)


class WorkOrderFactory:
    def __init__(self, cfg: GeneratorConfig, ref: Reference, rng: random.Random) -> None:
        self.rng = rng
        self.ref = ref
        self.wo = column_index(WORK_ORDER)
        self.wop = column_index(PRODUCT_LINE)
        self.wos = column_index(SERVICE_LINE)
        projects = ref.projects
        normal = [p for p in projects if p.kind not in ("ambiguous", "no_rate")]
        self.project_pool = [p for p in normal for _ in range(p.weight)]
        self.alternatives = {
            p.id: [q for q in normal if q.customer.id == p.customer.id and q.id != p.id] for p in normal
        }
        self.ambiguous = [p for p in projects if p.kind == "ambiguous"]
        self.no_rate = [p for p in projects if p.kind == "no_rate"]
        self.tm_projects = [p for p in normal if p.kind == "tm"]
        self.inventory = {p.id for p in ref.goods if p.type_code == INVENTORY}
        force = cfg.work_orders // 4 if cfg.work_orders >= 20 else None
        self.cancel = Quota(rng, 0.03, force)
        self.move = Quota(rng, 0.02, force)  # of the work orders whose customer has another project
        self.edit = Quota(rng, 0.08, force)
        self.late_edit = Quota(rng, 0.3, force)
        self.back_to_estimated = Quota(rng, 0.02, force)
        self.delete = Quota(rng, 0.02, force)

    # -- work order -------------------------------------------------------------------------------------------
    def build(self, index: int, created: int, reason: str | None) -> WorkOrderHistory:
        r = self.rng.random
        project: Project | None
        if reason is None:
            project = self.project_pool[int(r() * len(self.project_pool))]
        elif reason == NO_PROJECT:
            project = None
        elif reason == COMPANY_MISMATCH:
            project = self.tm_projects[int(r() * len(self.tm_projects))]
        elif reason == AMBIGUOUS_LINE:
            project = self.ambiguous[int(r() * len(self.ambiguous))]
        else:
            project = self.no_rate[0]
        customer = project.customer if project else self.ref.customers[int(r() * len(self.ref.customers))]
        service_account = customer
        if reason == COMPANY_MISMATCH:
            others = [c for c in self.ref.customers if c.company != customer.company]
            service_account = others[int(r() * len(others))]
        day = created // DAY
        currency = customer.currency
        price_list = project.price_list(day) if project else self.ref.sales_lists[currency].effective(day).id

        c = self.wo
        base = [""] * len(c)
        wo_id = guid(self.rng)
        base[c["msdyn_workorderid"]] = wo_id
        base[c["msdyn_name"]] = f"WO-{index + 1:07d}"
        base[c["msdyn_serviceaccount"]] = service_account.id
        base[c["msdyn_billingaccount"]] = customer.id
        base[c["msdyn_pricelist"]] = price_list
        base[c["msdyn_project"]] = project.id if project else ""
        base[c["transactioncurrencyid"]] = currency
        base[c["createdon"]] = iso_timestamp(created)
        base[c["isdelete"]] = "false"
        status, project_col, completed_col = c["msdyn_systemstatus"], c["msdyn_project"], c["msdyn_completedon"]

        scheduled = created + 600 + int(r() * 71_400)
        started = scheduled + 6 * HOUR + int(r() * (3 * DAY - 6 * HOUR))
        plain = reason is not None
        canceled = not plain and self.cancel.hit(index)
        alternatives = self.alternatives.get(project.id, []) if project and not plain and not canceled else []
        moved_to = alternatives[int(r() * len(alternatives))] if alternatives and self.move.hit(index) else None

        history = WorkOrderHistory(index, wo_id, created, started, price_list, currency, service_account.company,
                                   reason, not (plain or canceled or moved_to), RecordHistory(WORK_ORDER, wo_id, []))
        used_at = self._lines(history, customer, service_account, plain, canceled)

        events: list[tuple[int, str, dict[int, str]]] = [
            (created, "created", {status: _STATUS["unscheduled"]}),
            (scheduled, "scheduled", {status: _STATUS["scheduled"]}),
            (started, "in_progress", {status: _STATUS["in_progress"]}),
        ]
        last_use = max(used_at, default=started)
        if canceled:
            events.append((last_use + HOUR + int(r() * 2 * DAY), "canceled", {status: _STATUS["canceled"]}))
        else:
            completed = last_use + 600 + int(r() * 6600)
            events.append((completed, "completed",
                           {status: _STATUS["completed"], completed_col: iso_timestamp(completed)}))
            posted = completed + DAY + int(r() * 5 * DAY) if r() < 0.8 else None
            if moved_to is not None:
                moved = completed + HOUR + int(r() * 8 * DAY)
                events.append((moved, "moved", {project_col: moved_to.id}))
                if posted is not None:
                    posted = max(posted, moved + HOUR)
            if posted is not None:
                events.append((posted, "posted", {status: _STATUS["posted"]}))
        row = base
        for modified, event, changes in events:
            row = row[:]
            for column, value in changes.items():
                row[column] = value
            history.work_order.versions.append((modified, event, row))
        return history

    # -- lines ------------------------------------------------------------------------------------------------
    def _lines(self, history: WorkOrderHistory, customer: Customer, service_account: Customer, plain: bool,
               canceled: bool) -> list[int]:
        r = self.rng.random
        used_at = []
        for j in range(LINE_COUNTS[int(r() * len(LINE_COUNTS))]):
            service = r() < SERVICE_SHARE
            pool = self.ref.services if service else self.ref.goods
            product = pool[int(r() * len(pool))]
            zero_estimate = not plain and r() < 0.05
            if plain:
                used = True
            elif canceled:
                used = j == 0 or r() < 0.5
            else:
                used = zero_estimate or r() < 0.9
            use_time = history.started + 300 + int(r() * 6 * HOUR)
            created = use_time - 60 - int(r() * 540) if zero_estimate else history.created + 60 + int(r() * 3540)
            line = self._line(history, product, service, service_account.company, zero_estimate, created)
            if used:
                used_at.append(use_time)
                self._use(line, product, service, customer.currency, use_time)
                if not plain and not canceled:
                    self._after_use(history.index, line, service, use_time)
            history.lines.append(line)
        return used_at

    def _line(self, history: WorkOrderHistory, product: Product, service: bool, company: str,
              zero_estimate: bool, created: int) -> RecordHistory:
        r = self.rng.random
        c = self.wos if service else self.wop
        row = [""] * len(c)
        line_id = guid(self.rng)
        if service:
            row[c["msdyn_workorderserviceid"]] = line_id
            row[c["msdyn_service"]] = product.id
            row[c["msdyn_estimateduration"]] = (
                "0" if zero_estimate else str(_ESTIMATE_MINUTES[int(r() * len(_ESTIMATE_MINUTES))]))
        else:
            row[c["msdyn_workorderproductid"]] = line_id
            row[c["msdyn_product"]] = product.id
            row[c["msdyn_estimatequantity"]] = "0" if zero_estimate else quantity(self._quantity(product))
            if product.id in self.inventory:
                pair = self.ref.warehouses[company]
                row[c["msdyn_warehouse"]] = pair[int(r() * len(pair))]
        row[c["msdyn_workorder"]] = history.id
        row[c["msdyn_unit"]] = product.unit_id
        row[c["msdyn_pricelist"]] = history.price_list
        row[c["msdyn_linestatus"]] = ESTIMATED
        row[c["isdelete"]] = "false"
        return RecordHistory(SERVICE_LINE if service else PRODUCT_LINE, line_id, [(created, "created", row)])

    def _quantity(self, product: Product) -> int:
        """A plausible quantity in hundredths of the product's unit."""
        r = self.rng.random
        if product.decimal_unit:
            return 50 + int(r() * 1950)
        return (1 + int(r() * (3 if product.unit == "box" else 8))) * 100

    def _use(self, line: RecordHistory, product: Product, service: bool, currency: str, use_time: int) -> None:
        """The Used version: quantities, and on some lines discount, extra costs, manual price or cost."""
        r = self.rng.random
        c = self.wos if service else self.wop
        row = line.versions[-1][2][:]
        row[c["msdyn_linestatus"]] = USED
        if service:
            minutes = 10 + int(r() * 290)
            row[c["msdyn_duration"]] = str(minutes)
            row[c["msdyn_durationtobill"]] = str(minutes if r() < 0.85 else minutes - 5 - int(r() * minutes // 2))
        else:
            estimate = self._quantity(product)
            if product.decimal_unit:
                used = max(10, int(estimate * (0.7 + 0.6 * r())))
                to_bill = used if r() < 0.85 else used // 2
            else:
                used = max(100, estimate + (-1, 0, 0, 0, 1, 2)[int(r() * 6)] * 100)
                to_bill = used if r() < 0.85 else used - 100
            row[c["msdyn_quantity"]] = quantity(used)
            row[c["msdyn_qtytobill"]] = quantity(to_bill)
        if r() < 0.15:
            row[c["msdyn_discountpercent"]] = _DISCOUNTS[int(r() * len(_DISCOUNTS))]
        if r() < 0.10:
            row[c["msdyn_additionalcost"]] = fixed(250 + int(r() * 7250))
        if r() < 0.05:
            row[c["msdyn_commissioncosts"]] = fixed(100 + int(r() * 1900))
        if r() < 0.03:
            row[c["msdyn_unitamount"]] = fixed(round(product.price * PRICE_FACTOR[currency] * (0.8 + 0.2 * r()) / 100))
        if r() < 0.03:
            row[c["msdyn_unitcost"]] = fixed(round(product.current_cost * (1 + 0.2 * r()) / 100))
        line.versions.append((use_time, "used", row))

    def _after_use(self, index: int, line: RecordHistory, service: bool, use_time: int) -> None:
        r = self.rng.random
        c = self.wos if service else self.wop
        row = line.versions[-1][2]
        if self.edit.hit(index):
            late = self.late_edit.hit(index)
            when = use_time + (20 * DAY + int(r() * 25 * DAY) if late else HOUR + int(r() * 5 * DAY))
            row = self._edited(row, c, service)
            line.versions.append((when, "late_edit" if late else "edit", row))
            if r() < 0.15:
                line.versions.append((when + HOUR + int(r() * 5 * DAY), "edit", self._edited(row, c, service)))
        elif self.back_to_estimated.hit(index):
            row = row[:]
            row[c["msdyn_linestatus"]] = ESTIMATED
            line.versions.append((use_time + HOUR + int(r() * 10 * DAY), "back_to_estimated", row))
        elif self.delete.hit(index):
            row = row[:]
            row[c["isdelete"]] = "true"
            line.versions.append((use_time + HOUR + int(r() * 10 * DAY), "deleted", row))

    def _edited(self, row: list[str], c: dict[str, int], service: bool) -> list[str]:
        """A later correction of a used line: the quantity (duration), the quantity to bill, or the discount."""
        r = self.rng.random
        row = row[:]
        what = r()
        if what < 0.2:
            row[c["msdyn_discountpercent"]] = _DISCOUNTS[int(r() * len(_DISCOUNTS))]
        elif service:
            minutes = int(row[c["msdyn_duration"]])
            if what < 0.6:
                minutes = max(5, minutes + (-45, -30, -15, 15, 30, 60)[int(r() * 6)])
                row[c["msdyn_duration"]] = str(minutes)
            row[c["msdyn_durationtobill"]] = str(minutes if r() < 0.5 else minutes // 2)
        else:
            used = _hundredths(row[c["msdyn_quantity"]])
            if what < 0.6:
                used = max(100, used + (-100, 100, 200)[int(r() * 3)]) if used % 100 == 0 else used + 25
                row[c["msdyn_quantity"]] = quantity(used)
            to_bill = used if r() < 0.5 else (used - 100 if used % 100 == 0 else used // 2)
            row[c["msdyn_qtytobill"]] = quantity(max(0, to_bill))
        return row

    # -- for bad rows -----------------------------------------------------------------------------------------
    def fresh_used_line(self, history: WorkOrderHistory, service: bool, when: int) -> RecordHistory:
        """A new, valid, used line on `history`'s work order (bad rows are made from these)."""
        pool = self.ref.services if service else self.ref.goods
        product = pool[int(self.rng.random() * len(pool))]
        line = self._line(history, product, service, history.company, False, when - HOUR)
        self._use(line, product, service, history.currency, when)
        return line


def _hundredths(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])
