"""Price lists (sales lists per currency in effective-dated half-year versions plus an open-ended one, cost lists
per contracting unit), their product items with the three pricing methods, and field-service price list items."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import date

from orchestration.contract import PRICE_LIST_MODULE

from .catalogue import Product
from .formats import DAY, HOUR, boolean, date_of, day_number, fixed, iso_date, iso_timestamp
from .parties import PRICE_FACTOR, OrgUnit
from .randomness import guid

COST, SALES = (next(code for code, name in PRICE_LIST_MODULE.items() if name == wanted) for wanted in ("cost", "sales"))
AMOUNT, MARKUP_CURRENT_COST, MARKUP_STANDARD_COST = 1, 3, 5
_MARKUPS = ("12.5", "25", "35", "40", "50", "65", "80")
_SALES_COVERAGE = 0.85  # share of product + unit pairs a sales list has an item for (the rest use the list price)


@dataclass(frozen=True)
class PriceList:
    id: str
    name: str
    begin: int | None  # day numbers; None = open
    end: int | None
    currency: str
    module: int
    created: int  # seconds


@dataclass(frozen=True)
class SalesLists:
    """The sales lists of one currency: consecutive half-year versions and one open-ended list."""

    currency: str
    halves: tuple[PriceList, ...]
    open: PriceList

    def effective(self, day: int) -> PriceList:
        """The half-year list in effect on `day` (the first or last one outside their range)."""
        begins = [half.begin for half in self.halves]
        k = bisect.bisect_right(begins, day) - 1
        return self.halves[min(max(k, 0), len(self.halves) - 1)]


def _half_begin(half: int) -> date:
    return date(half // 2, 1 if half % 2 == 0 else 7, 1)


def _half_of(day: int) -> int:
    d = date_of(day)
    return d.year * 2 + (d.month > 6)


def sales_lists(rng: random.Random, currencies: list[str], first_day: int, last_day: int) -> dict[str, SalesLists]:
    """Per currency: half-year lists from the half before `first_day` to the half after `last_day`, and an
    open-ended list that began a year before."""
    result = {}
    for currency in currencies:
        halves = []
        for half in range(_half_of(first_day) - 1, _half_of(last_day) + 2):
            begin = day_number(_half_begin(half))
            end = day_number(_half_begin(half + 1)) - 1
            created = (begin - rng.randint(20, 40)) * DAY + 9 * HOUR + rng.randint(0, 8 * HOUR)
            halves.append(PriceList(guid(rng), f"Sales {currency} {half // 2}-H{half % 2 + 1}", begin, end, currency,
                                    SALES, created))
        open_begin = day_number(date(date_of(first_day).year - 1, 1, 1))
        open_list = PriceList(guid(rng), f"Sales {currency} standard", open_begin, None, currency, SALES,
                              (open_begin - 10) * DAY + 10 * HOUR)
        result[currency] = SalesLists(currency, tuple(halves), open_list)
    return result


def cost_lists(rng: random.Random, units: list[OrgUnit], first_day: int, last_day: int) -> dict[str, list[PriceList]]:
    """Per contracting unit: an open-ended standard cost list and a later-created list for the period's years
    that overlaps it (R14: the most recently created effective list wins)."""
    first_year, last_year = date_of(first_day).year, date_of(last_day).year
    result = {}
    for unit in units:
        open_begin = day_number(date(first_year - 1, 1, 1))
        standard = PriceList(guid(rng), f"Cost {unit.name} standard", open_begin, None, unit.currency, COST,
                             (open_begin - 20) * DAY + 11 * HOUR)
        begin = day_number(date(first_year, 1, 1))
        yearly = PriceList(guid(rng), f"Cost {unit.name} {first_year}-{last_year}", begin,
                           day_number(date(last_year, 12, 31)), unit.currency, COST,
                           day_number(date(first_year - 1, 12, 1)) * DAY + 14 * HOUR + rng.randint(0, HOUR))
        result[unit.id] = [standard, yearly]
    return result


def price_list_rows(lists: list[PriceList]) -> list[dict[str, str]]:
    return [
        {"pricelevelid": p.id, "name": p.name, "begindate": iso_date(p.begin) if p.begin is not None else "",
         "enddate": iso_date(p.end) if p.end is not None else "", "transactioncurrencyid": p.currency,
         "msdyn_module": str(p.module), "createdon": iso_timestamp(p.created)}
        for p in lists
    ]


def _item(rng: random.Random, price_list: PriceList, product: Product, method: int, amount: int) -> dict[str, str]:
    return {
        "productpricelevelid": guid(rng), "pricelevelid": price_list.id, "productid": product.id,
        "uomid": product.unit_id, "pricingmethodcode": str(method),
        "amount": fixed(amount) if method == AMOUNT else "",
        "percentage": rng.choice(_MARKUPS) if method != AMOUNT else "",
    }


def sales_items(rng: random.Random, lists: dict[str, SalesLists], products: list[Product]) -> list[dict[str, str]]:
    """Items for most listed products of every sales list; each list uses all three pricing methods."""
    rows = []
    for sales in lists.values():
        factor = PRICE_FACTOR[sales.currency]
        versions = [(sales.open, 1.0)] + [(half, 1 + 0.03 * k) for k, half in enumerate(sales.halves)]
        for price_list, version_factor in versions:
            forced = [AMOUNT, MARKUP_CURRENT_COST, MARKUP_STANDARD_COST]
            rng.shuffle(forced)
            for product in products:
                if not product.listed or rng.random() > _SALES_COVERAGE:
                    continue
                if forced:
                    method = forced.pop()
                else:
                    r = rng.random()
                    method = AMOUNT if r < 0.7 else MARKUP_CURRENT_COST if r < 0.85 else MARKUP_STANDARD_COST
                amount = round(product.price * factor * version_factor / 100)
                rows.append(_item(rng, price_list, product, method, amount))
    return rows


def cost_items(rng: random.Random, lists: dict[str, list[PriceList]], products: list[Product],
               unit_currency: dict[str, str]) -> list[dict[str, str]]:
    rows = []
    for unit_id, unit_lists in lists.items():
        factor = PRICE_FACTOR[unit_currency[unit_id]]
        for k, price_list in enumerate(unit_lists):
            for product in products:
                if rng.random() < 0.9:
                    amount = round(product.standard_cost * factor * (1 + 0.02 * k) * rng.uniform(0.97, 1.05) / 100)
                    rows.append(_item(rng, price_list, product, AMOUNT, amount))
    return rows


def _fs_item(rng: random.Random, price_list: PriceList, service: Product | None, policy: str, to: int,
             min_minutes: int = 0, min_amount: int = 0, flat: bool = False) -> dict[str, str]:
    return {
        "msdyn_fieldservicepricelistitemid": guid(rng), "msdyn_pricelist": price_list.id,
        "msdyn_product": service.id if service else "", "msdyn_flatfee": boolean(flat),
        "msdyn_minimumchargeduration": str(min_minutes),
        "msdyn_minimumchargeamount": fixed(round(min_amount * PRICE_FACTOR[price_list.currency])),
        "msdyn_roundingpolicy": policy, "msdyn_roundingto": str(to),
    }


def field_service_items(rng: random.Random, lists: dict[str, SalesLists],
                        products: list[Product]) -> list[dict[str, str]]:
    """Rounding, minimum charges and flat fees for services (R13) on the half-year lists in effect during the
    period and on the open-ended list of every other currency; about half of those lists also get a
    blank-product row that applies to the list's other services. Minimum amounts are given in US cents."""
    role = {p.role: p for p in products if p.role}
    rows = []
    for c, sales in enumerate(lists.values()):
        with_items = list(sales.halves[1:]) + ([sales.open] if c % 2 == 0 else [])
        for k, pl in enumerate(with_items):
            rows.append(_fs_item(rng, pl, role["standard"], "nearest", rng.choice((15, 30)), 15, 2500))
            rows.append(_fs_item(rng, pl, role["overtime"], "up", 15))
            rows.append(_fs_item(rng, pl, role["diagnostics"], "down", rng.choice((15, 30)), 30, 4000))
            rows.append(_fs_item(rng, pl, role["inspection"], "none", 0, flat=True))
            rows.append(_fs_item(rng, pl, role["travel"], "none", 0, 0, 1500))
            if (c + k) % 2 == 0:
                rows.append(_fs_item(rng, pl, None, "up", 15))
    return rows
