"""Projects, their project contracts (salesorder) and contract lines (salesorderdetail), the price lists attached
to contracts and contracting units (msdyn_projectpricelist), and fixed-price milestones.

Every project has its own contract. Project kinds:
- tm: one time-and-material line that includes materials (most projects);
- tm_nte / tm_contract_nte: the same with a small not-to-exceed limit on the line / on the contract (R19);
- fp: a fixed-price line that includes materials, with milestones, and often a T&M time-only line;
- not_available: only a T&M line without materials, so the billing type of work order lines is not available (R8);
- ambiguous: two lines that include materials (R8 ambiguous_contract_line);
- no_rate: a DEMF contract in a currency without exchange rates (R24 no_exchange_rate).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from orchestration.contract import BILLING_METHOD, INVOICE_FREQUENCIES, MILESTONE_STATUS

from .formats import DAY, HOUR, boolean, fixed, iso_date
from .parties import Customer, OrgUnit
from .price_lists import PriceList, SalesLists
from .randomness import guid, weighted

TIME_AND_MATERIAL, FIXED_PRICE = (
    next(code for code, name in BILLING_METHOD.items() if name == wanted)
    for wanted in ("time_and_material", "fixed_price")
)
NOT_READY, READY = (next(code for code, name in MILESTONE_STATUS.items() if name == wanted)
                    for wanted in ("not_ready", "ready"))
CONTRACT_ACTIVE = "192350002"  # salesorder.msdyn_psastate Active (domain research §2.3)
NORMAL_KINDS = ("tm", "tm_nte", "tm_contract_nte", "fp", "not_available")
_KIND_WEIGHTS = (("tm", 62), ("fp", 18), ("tm_nte", 8), ("tm_contract_nte", 6), ("not_available", 6))
_TOPICS = ("HVAC maintenance", "Cold room service", "Chiller retrofit", "Boiler service", "Ventilation upgrade",
           "Rooftop unit programme", "Heat pump installation", "Refrigeration care plan")
_MILESTONES = ("Mobilisation", "Equipment delivered", "Installation complete", "Commissioning", "Handover",
               "Final acceptance")


@dataclass(frozen=True)
class Project:
    id: str
    subject: str
    kind: str
    customer: Customer
    unit: OrgUnit
    contract_id: str
    sales_lists: SalesLists
    open_list: bool  # the contract uses the open-ended sales list rather than the half-year versions
    weight: int  # relative share of work orders

    @property
    def currency(self) -> str:
        return self.sales_lists.currency

    def price_list(self, day: int) -> str:
        return self.sales_lists.open.id if self.open_list else self.sales_lists.effective(day).id


@dataclass(frozen=True)
class Milestone:
    id: str
    line_id: str
    name: str
    invoice_day: int
    amount: int  # cents
    created: int  # seconds: version 1, not ready
    ready_at: int  # seconds: version 2, ready


@dataclass
class Contracts:
    projects: list[Project]
    milestones: list[Milestone]
    project_rows: list[dict[str, str]]
    contract_rows: list[dict[str, str]]
    line_rows: list[dict[str, str]]
    project_price_list_rows: list[dict[str, str]]


def project_kinds(rng: random.Random, count: int, ambiguous: int) -> list[str]:
    kinds = ["ambiguous"] * ambiguous + ["no_rate", "not_available", "fp", "fp", "tm_nte", "tm_contract_nte"]
    kinds += ["tm"] * 3
    kinds += [weighted(rng, _KIND_WEIGHTS) for _ in range(count - len(kinds))]
    rng.shuffle(kinds)
    return kinds


def build_contracts(rng: random.Random, kinds: list[str], customers: list[Customer], no_rate_customer: Customer,
                    units: list[OrgUnit], sales: dict[str, SalesLists], costs: dict[str, list[PriceList]],
                    first_day: int, last_day: int) -> Contracts:
    result = Contracts([], [], [], [], [], [])
    order = list(customers)
    rng.shuffle(order)
    frequencies = iter(("weekly", "biweekly", "monthly"))  # every frequency once, then at random
    span = last_day - first_day + 1
    normal = 0
    for k, kind in enumerate(kinds):
        if kind == "no_rate":
            customer = no_rate_customer
        else:
            customer = order[normal] if normal < len(order) else rng.choice(customers)
            normal += 1
        unit = rng.choice([u for u in units if u.company == customer.company])
        lists = sales[customer.currency]
        open_list = rng.random() < 0.3
        contract_id, project_id = guid(rng), guid(rng)
        project = Project(project_id, f"{customer.name}: {rng.choice(_TOPICS)}", kind, customer, unit,
                          contract_id, lists, open_list, rng.randint(1, 4))
        result.projects.append(project)
        group = "" if rng.random() < 0.2 else ("FP" if kind == "fp" else "TM")
        result.project_rows.append({
            "msdyn_projectid": project_id, "msdyn_subject": project.subject, "msdyn_customer": customer.id,
            "msdyn_contractorganizationalunitid": unit.id, "msdyn_salesorderid": contract_id,
            "transactioncurrencyid": customer.currency, "msdyn_actualend": "", "msdyn_projectgroup": group,
        })
        contract_nte = rng.randint(30, 60) * 10_000 if kind == "tm_contract_nte" else None
        result.contract_rows.append({
            "salesorderid": contract_id, "ordernumber": f"PC-{customer.company}-{k + 1:05d}",
            "name": f"Service contract {k + 1:05d} – {customer.name}", "customerid": customer.id,
            "transactioncurrencyid": customer.currency,
            "pricelevelid": project.price_list(first_day), "msdyn_contractorganizationalunitid": unit.id,
            "msdyn_company": customer.company, "msdyn_psastate": CONTRACT_ACTIVE,
            "msdyn_nottoexceedlimit": fixed(contract_nte) if contract_nte else "",
        })
        attached = [lists.open] if open_list else list(lists.halves)
        for price_list in attached:
            result.project_price_list_rows.append({
                "msdyn_projectpricelistid": guid(rng), "msdyn_pricelist": price_list.id,
                "msdyn_salesorder": contract_id, "msdyn_organizationalunit": ""})

        def line(billing: int, material: bool, time: bool, amount: int | None = None, nte: int | None = None,
                 contract_id: str = contract_id, project_id: str = project_id) -> str:
            frequency = next(frequencies, None) if material else None
            if frequency is None:
                frequency = weighted(rng, (("monthly", 0.5), ("biweekly", 0.25), ("weekly", 0.25)))
            assert frequency in INVOICE_FREQUENCIES
            line_id = guid(rng)
            result.line_rows.append({
                "salesorderdetailid": line_id, "salesorderid": contract_id, "msdyn_project": project_id,
                "msdyn_billingmethod": str(billing), "msdyn_includematerial": boolean(material),
                "msdyn_includetime": boolean(time), "msdyn_invoicefrequency": frequency,
                "msdyn_billingstartdate": iso_date(first_day - rng.randint(0, 45)),
                "extendedamount": fixed(amount) if amount is not None else "",
                "msdyn_nottoexceedlimit": fixed(nte) if nte is not None else "",
            })
            return line_id

        if kind in ("tm", "tm_contract_nte", "no_rate"):
            line(TIME_AND_MATERIAL, True, True)
        elif kind == "tm_nte":
            line(TIME_AND_MATERIAL, True, True, nte=rng.randint(15, 30) * 10_000)
        elif kind == "not_available":
            line(TIME_AND_MATERIAL, False, True)
        elif kind == "ambiguous":
            line(TIME_AND_MATERIAL, True, True)
            line(TIME_AND_MATERIAL, True, False)
        elif kind == "fp":
            amount = rng.randint(80, 400) * 10_000
            line_id = line(FIXED_PRICE, True, False, amount=amount)
            if rng.random() < 0.6:
                line(TIME_AND_MATERIAL, False, True)
            result.milestones += _milestones(rng, line_id, amount, first_day, span)
        else:
            raise ValueError(kind)
    for unit in units:
        for price_list in costs[unit.id]:
            result.project_price_list_rows.append({
                "msdyn_projectpricelistid": guid(rng), "msdyn_pricelist": price_list.id,
                "msdyn_salesorder": "", "msdyn_organizationalunit": unit.id})
    return result


def _milestones(rng: random.Random, line_id: str, amount: int, first_day: int, span: int) -> list[Milestone]:
    """3–5 milestones summing to the contracted amount, invoice dates spread over the period; each is created
    not ready before the period and becomes ready around its invoice date (sometimes a little after it)."""
    count = rng.randint(3, 5)
    share = amount // count
    created = (first_day - rng.randint(5, 20)) * DAY + 9 * HOUR + rng.randint(0, 4 * HOUR)
    result = []
    for j in range(count):
        invoice_day = first_day + (j + 1) * span // (count + 1)
        if rng.random() < 0.8:
            ready_at = invoice_day * DAY + 8 * HOUR - rng.randint(0, 5 * DAY)
        else:
            ready_at = invoice_day * DAY + rng.randint(1 * DAY, 10 * DAY)
        ready_at = max(ready_at, created + DAY)
        result.append(Milestone(guid(rng), line_id, f"{_MILESTONES[j]}", invoice_day,
                                share if j < count - 1 else amount - share * (count - 1), created, ready_at))
    return result
