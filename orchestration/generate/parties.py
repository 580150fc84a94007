"""Legal entities, currencies and exchange rates, tax groups, organizational units and customers."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .formats import add_months, date_of, day_number, iso_date
from .randomness import guid, weighted


@dataclass(frozen=True)
class Company:
    code: str
    name: str
    currency: str
    tax_group: str
    weight: float  # share of customers


@dataclass(frozen=True)
class OrgUnit:
    id: str
    name: str
    company: str
    currency: str


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    number: str
    company: str
    currency: str
    tax_group: str


COMPANIES = (
    Company("USMF", "Contoso Entertainment System USA", "USD", "SALES7.5", 0.5),
    Company("GBSI", "Contoso Entertainment Systems UK", "GBP", "VAT20", 0.3),
    Company("DEMF", "Contoso Entertainment Systems Germany", "EUR", "VAT19", 0.2),
)
TAX_GROUPS = (("EXEMPT", "0"), ("SALES7.5", "7.5"), ("VAT19", "19"), ("VAT20", "20"))
# Units of each currency per US dollar at the start (rates then drift a little month by month).
USD_VALUE = {"USD": 1.0, "GBP": 0.79, "EUR": 0.92}
# A contract currency with no exchange rate at all (SPEC R24 no_exchange_rate): one DEMF customer bills in it.
NO_RATE_CURRENCY = "CHF"
NO_RATE_COMPANY = "DEMF"
PRICE_FACTOR = {**USD_VALUE, NO_RATE_CURRENCY: 0.88}  # scales USD list prices into each currency's price lists

_UNIT_NAMES = {
    "USMF": ("USMF Field Service East", "USMF Field Service West"),
    "GBSI": ("GBSI Field Operations London", "GBSI Field Operations Midlands"),
    "DEMF": ("DEMF Außendienst Nord", "DEMF Außendienst Süd"),
}
_LEGAL_SUFFIX = {"USMF": ", Inc.", "GBSI": " Ltd", "DEMF": " GmbH"}
_NAME_FIRST = (
    "Contoso", "Fabrikam", "Northwind", "Adventure Works", "Tailspin", "Wide World", "Litware", "Proseware",
    "Alpine Ski House", "Coho", "Lucerne", "Margie's", "Trey", "Wingtip", "Woodgrove", "Fourth Coffee",
    "Humongous", "Blue Yonder", "City Power & Light", "Relecloud", "VanArsdel", "Müller", "Datum",
)
_NAME_SECOND = (
    "Facilities", "Retail", "Hospitality", "Logistics", "Healthcare", "Property Management", "Manufacturing",
    "Cold Storage", "Schools",
)


def tax_group_rows() -> list[dict[str, str]]:
    return [{"taxgroupid": code, "rate_percent": rate} for code, rate in TAX_GROUPS]


def company_rows() -> list[dict[str, str]]:
    return [{"cdm_companycode": c.code, "name": c.name, "accountingcurrency": c.currency} for c in COMPANIES]


def exchange_rate_rows(rng: random.Random, first_day: int, last_day: int) -> list[dict[str, str]]:
    """Monthly rates between every pair of USD, GBP and EUR (both directions), from the month before the first
    day to the month after the last day. None for NO_RATE_CURRENCY."""
    month = add_months(date_of(first_day).replace(day=1), -1)
    last = add_months(date_of(last_day).replace(day=1), 1)
    value = dict(USD_VALUE)
    rows = []
    while month <= last:
        for source in USD_VALUE:
            for target in USD_VALUE:
                if source != target:
                    rate = value[target] / value[source]
                    rows.append({"fromcurrency": source, "tocurrency": target,
                                 "validfrom": iso_date(day_number(month)), "rate": f"{rate:.6f}"})
        for currency in value:
            if currency != "USD":
                value[currency] *= 1 + rng.gauss(0, 0.012)
        month = add_months(month, 1)
    return rows


def org_units(rng: random.Random) -> list[OrgUnit]:
    return [
        OrgUnit(guid(rng), name, company.code, company.currency)
        for company in COMPANIES
        for name in _UNIT_NAMES[company.code]
    ]


def org_unit_rows(units: list[OrgUnit]) -> list[dict[str, str]]:
    return [{"msdyn_organizationalunitid": u.id, "msdyn_name": u.name, "msdyn_company": u.company,
             "transactioncurrencyid": u.currency} for u in units]


def customers(rng: random.Random, count: int) -> tuple[list[Customer], Customer]:
    """`count` customers of the three companies (two of each first), mostly in their company's currency with a
    few in another rated currency; plus the one customer billing in NO_RATE_CURRENCY."""
    names = [f"{a} {b}" for a in _NAME_FIRST for b in _NAME_SECOND]
    rng.shuffle(names)
    by_code = {c.code: c for c in COMPANIES}
    result = []
    for k in range(count):
        company = COMPANIES[k % 3] if k < 6 else weighted(rng, [(c, c.weight) for c in COMPANIES])
        currency = company.currency
        if k == 3:  # a USMF customer invoiced in EUR, a GBSI customer in USD: exchange rates matter
            currency = "EUR"
        elif k == 4:
            currency = "USD"
        elif k >= 6 and rng.random() < 0.08:
            currency = rng.choice([c for c in USD_VALUE if c != company.currency])
        base = names[k % len(names)] + (f" {k // len(names) + 1}" if k >= len(names) else "")
        tax_group = "EXEMPT" if rng.random() < 0.1 else company.tax_group
        number = f"C-{company.code}-{k + 1:05d}"
        result.append(Customer(guid(rng), base + _LEGAL_SUFFIX[company.code], number, company.code, currency,
                               tax_group))
    company = by_code[NO_RATE_COMPANY]
    no_rate = Customer(guid(rng), "Alpenblick Hotels AG", f"C-{company.code}-{count + 1:05d}", company.code,
                       NO_RATE_CURRENCY, company.tax_group)
    return result, no_rate


def customer_rows(all_customers: list[Customer]) -> list[dict[str, str]]:
    return [{"accountid": c.id, "name": c.name, "accountnumber": c.number, "msdyn_company": c.company,
             "transactioncurrencyid": c.currency, "msdyn_salestaxgroup": c.tax_group} for c in all_customers]
