"""Rows that are bad on purpose (SPEC R4), one problem each, always on extra records of their own so that the rest
of the delivery stays consistent: a rejected bad row never hides a version some scenario relies on.

About `bad_row_share` of the transactional rows are bad; with at least MIN_WORK_ORDERS_FOR_EVERY_BAD_KIND work
orders (and a share above 0) the first six bad rows are one of each kind, placed by the first 60 % of the
work orders.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .config import MIN_WORK_ORDERS_FOR_EVERY_BAD_KIND, GeneratorConfig
from .csv_files import column_index
from .formats import DAY, HOUR, iso_timestamp
from .randomness import guid
from .work_orders import PRODUCT_LINE, SERVICE_LINE, WORK_ORDER, WorkOrderFactory, WorkOrderHistory

UNPARSEABLE = "unparseable_row"
BAD_TYPE = "bad_type"
MISSING_REQUIRED = "missing_required"
UNKNOWN_REFERENCE = "unknown_reference"
NEGATIVE_QUANTITY = "negative_quantity"
DUPLICATE_VERSION = "duplicate_version"
KINDS = (UNPARSEABLE, BAD_TYPE, MISSING_REQUIRED, UNKNOWN_REFERENCE, NEGATIVE_QUANTITY, DUPLICATE_VERSION)
BAD_NUMBER = "12,5x"

# (reason, table, variant), used in turn; the first six are one of each kind.
PLAN = (
    (UNPARSEABLE, PRODUCT_LINE, "too_few"),
    (BAD_TYPE, SERVICE_LINE, "date"),
    (MISSING_REQUIRED, WORK_ORDER, "id"),
    (UNKNOWN_REFERENCE, SERVICE_LINE, "work_order"),
    (NEGATIVE_QUANTITY, PRODUCT_LINE, "quantity"),
    (DUPLICATE_VERSION, SERVICE_LINE, ""),
    (UNPARSEABLE, WORK_ORDER, "too_many"),
    (BAD_TYPE, PRODUCT_LINE, "number"),
    (MISSING_REQUIRED, PRODUCT_LINE, "product"),
    (UNKNOWN_REFERENCE, PRODUCT_LINE, "product"),
    (NEGATIVE_QUANTITY, SERVICE_LINE, "quantity"),
    (DUPLICATE_VERSION, PRODUCT_LINE, ""),
    (UNPARSEABLE, SERVICE_LINE, "too_many"),
    (BAD_TYPE, WORK_ORDER, "date"),
    (MISSING_REQUIRED, SERVICE_LINE, "work_order"),
    (UNKNOWN_REFERENCE, PRODUCT_LINE, "work_order"),
    (NEGATIVE_QUANTITY, PRODUCT_LINE, "estimate"),
    (DUPLICATE_VERSION, WORK_ORDER, ""),
    (MISSING_REQUIRED, SERVICE_LINE, "versionnumber"),
    (BAD_TYPE, SERVICE_LINE, "number"),
    (MISSING_REQUIRED, PRODUCT_LINE, "id"),
)
_ID = {WORK_ORDER: "msdyn_workorderid", PRODUCT_LINE: "msdyn_workorderproductid",
       SERVICE_LINE: "msdyn_workorderserviceid"}
_PRODUCT = {PRODUCT_LINE: "msdyn_product", SERVICE_LINE: "msdyn_service"}
_QUANTITIES = {PRODUCT_LINE: ("msdyn_quantity", "msdyn_qtytobill"),
               SERVICE_LINE: ("msdyn_duration", "msdyn_durationtobill")}


@dataclass(frozen=True)
class BadRow:
    table: str
    day: int  # the daily file it goes in
    row: list[str]
    record_id: str  # as written
    reason: str


def invalid_date(timestamp: str) -> str:
    """'2026-02-03T10:00:00Z' -> '2026-13-40T10:00:00Z'."""
    return f"{timestamp[:5]}13-40{timestamp[10:]}"


def negated(text: str) -> str:
    return text if text.startswith("-") or text in ("", "0") else f"-{text}"


class BadRowMaker:
    def __init__(self, cfg: GeneratorConfig, factory: WorkOrderFactory, rng: random.Random) -> None:
        self.share = cfg.bad_row_share
        self.cutoff = cfg.cutoff
        self.factory = factory
        self.rng = rng
        n = cfg.work_orders
        forced = self.share > 0 and n >= MIN_WORK_ORDERS_FOR_EVERY_BAD_KIND
        self.forced_at = [(k + 1) * n // 10 for k in range(len(KINDS))] if forced else []
        self.columns = {table: column_index(table) for table in _ID}
        self.events = 0
        self.rows = 0

    def due(self, history: WorkOrderHistory, good_rows: int) -> bool:
        """Whether to add a bad row next to this work order (only ordinary work orders carry them)."""
        if not history.normal or history.created + 2 * DAY + HOUR >= self.cutoff:
            return False
        if self.rows < self.share * good_rows:
            return True
        return self.events < len(self.forced_at) and history.index >= self.forced_at[self.events]

    def make(self, history: WorkOrderHistory, next_version: Callable[[], int]) -> list[BadRow]:
        reason, table, variant = PLAN[self.events % len(PLAN)]
        self.events += 1
        when = history.created + HOUR + int(self.rng.random() * 2 * DAY)
        c = self.columns[table]
        if table == WORK_ORDER:
            row = history.work_order.versions[0][2][:]
            row[c["msdyn_workorderid"]] = guid(self.rng)
            row[c["msdyn_name"]] += "-B"
            row[c["createdon"]] = iso_timestamp(when)
        else:
            row = self.factory.fresh_used_line(history, table == SERVICE_LINE, when).versions[-1][2]
        row[c["versionnumber"]] = str(next_version())
        row[c["modifiedon"]] = iso_timestamp(when)
        record_id = row[c[_ID[table]]]
        rows = [row]
        if reason == UNPARSEABLE:
            rows = [row[:-3] if variant == "too_few" else [*row, "", "unexpected"]]
        elif reason == BAD_TYPE:
            if variant == "number":
                row[c[_QUANTITIES[table][0]]] = BAD_NUMBER
            else:
                column = "createdon" if table == WORK_ORDER else "modifiedon"
                row[c[column]] = invalid_date(row[c[column]])
        elif reason == MISSING_REQUIRED:
            column = {"id": _ID[table], "product": _PRODUCT.get(table, ""), "work_order": "msdyn_workorder",
                      "versionnumber": "versionnumber"}[variant]
            row[c[column]] = ""
            if variant == "id":
                record_id = ""
        elif reason == UNKNOWN_REFERENCE:
            column = {"product": _PRODUCT.get(table, ""), "work_order": "msdyn_workorder"}[variant]
            row[c[column]] = guid(self.rng)
        elif reason == NEGATIVE_QUANTITY:
            if variant == "estimate":
                row[c["msdyn_estimatequantity"]] = "-2"
            else:
                for column in _QUANTITIES[table]:
                    row[c[column]] = negated(row[c[column]]) if row[c[column]] not in ("", "0") else "-1"
        elif reason == DUPLICATE_VERSION:
            other = row[:]
            if table == WORK_ORDER:
                other[c["msdyn_systemstatus"]] = history.work_order.versions[1][2][c["msdyn_systemstatus"]]
            else:
                for column in _QUANTITIES[table]:
                    other[c[column]] = str(int(float(other[c[column]])) + 1)
            rows.append(other)
        self.rows += len(rows)
        return [BadRow(table, when // DAY, r, record_id, reason) for r in rows]
