"""Units of measure, products of the three Field Service product types, and warehouses."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from orchestration.contract import PRODUCT_TYPE

from .formats import trimmed
from .parties import COMPANIES
from .randomness import guid

INVENTORY, NON_INVENTORY, SERVICE = (
    next(code for code, name in PRODUCT_TYPE.items() if name == wanted)
    for wanted in ("inventory", "non_inventory", "service")
)
UNITS = ("each", "hour", "box", "meter", "kilogram", "litre")
DECIMAL_UNITS = frozenset({"meter", "kilogram", "litre"})

# name, unit, list price in USD
_GOODS = {
    INVENTORY: (
        ("Air filter 20x25x1", "each", "18.50"), ("Air filter 16x20x1", "each", "15.90"),
        ("Run capacitor 45/5 µF", "each", "32.00"), ("Contactor 40A, 2-pole", "each", "41.75"),
        ("Programmable thermostat", "each", "129.00"), ("Condenser fan motor 1/4 HP", "each", "185.00"),
        ("Refrigerant R-410A", "kilogram", "38.40"), ('Copper pipe 1/2"', "meter", "12.60"),
        ("Condensate pump", "each", "96.00"), ("Control board", "each", "248.00"),
        ("V-belt A42", "each", "14.20"), ("Expansion valve", "each", "132.50"),
        ("Temperature sensor", "each", "27.30"), ("Compressor 3 ton", "each", "1185.00"),
        ("Filter drier", "each", "22.80"), ("Ignition module", "each", "74.90"),
        ("Pressure switch", "each", "45.60"),
    ),
    NON_INVENTORY: (
        ("Consumables kit", "each", "24.00"), ("Cable ties, pack of 100", "box", "9.80"),
        ("Screw assortment", "box", "16.50"), ("Compressor oil", "litre", "21.00"),
        ("Waste disposal fee", "each", "35.00"), ("Permit fee", "each", "75.00"),
        ("Insulation tape", "each", "6.40"),
    ),
}
# number, name, hourly list price, hourly cost, role (what the field-service price list items key on)
_SERVICES = (
    ("LAB-STD", "Standard labour", "80.00", "30.00", "standard"),
    ("LAB-OT", "Overtime labour", "120.00", "45.00", "overtime"),
    ("DIAG", "Diagnostics", "95.00", "35.00", "diagnostics"),
    ("INSP", "Site inspection", "150.00", "40.00", "inspection"),
    ("TRAVEL", "Travel time", "60.00", "25.00", "travel"),
    ("COMM", "Commissioning", "110.00", "40.00", "commissioning"),
    ("EMERG", "Emergency call-out", "180.00", "60.00", "emergency"),
    ("TRAIN", "Customer training", "90.00", "30.00", "training"),
)
BASE_GOODS = sum(len(goods) for goods in _GOODS.values())
# Goods that are on no price list at all, so pricing must fall back to the product's list price (R12).
UNLISTED_GOODS = 2


@dataclass(frozen=True)
class Product:
    id: str
    number: str
    name: str
    type_code: int
    unit: str
    unit_id: str
    price: int  # list price in USD, 1/10000 units
    standard_cost: int
    current_cost: int
    role: str = ""  # services only
    listed: bool = True

    @property
    def decimal_unit(self) -> bool:
        return self.unit in DECIMAL_UNITS


def _money4(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 10_000 + int((frac + "0000")[:4])


def units(rng: random.Random) -> dict[str, str]:
    return {name: guid(rng) for name in UNITS}


def unit_rows(unit_ids: dict[str, str]) -> list[dict[str, str]]:
    return [{"uomid": uom_id, "name": name} for name, uom_id in unit_ids.items()]


def _costs(rng: random.Random, price: int) -> tuple[int, int]:
    standard = int(price * rng.uniform(0.45, 0.65))
    if rng.random() < 0.7:
        standard -= standard % 100  # most costs in cents, some with four decimals
    current = int(standard * rng.uniform(0.95, 1.08))
    if rng.random() < 0.7:
        current -= current % 100
    return max(standard, 100), max(current, 100)


def products(rng: random.Random, goods_count: int, unit_ids: dict[str, str]) -> list[Product]:
    """`goods_count` inventory and non-inventory products (the base catalogue, then variants of it) and the
    services; UNLISTED_GOODS of the goods are on no price list."""
    base = [(type_code, name, unit, price) for type_code, goods in _GOODS.items() for name, unit, price in goods]
    result = []
    for k in range(goods_count):
        type_code, name, unit, price_text = base[k % len(base)]
        price = _money4(price_text)
        if k >= len(base):
            name = f"{name} (model {k // len(base) + 1})"
            price = price * rng.randint(85, 130) // 100 // 100 * 100
        standard, current = _costs(rng, price)
        result.append(Product(guid(rng), f"P-{10001 + k}", name, type_code, unit, unit_ids[unit], price, standard,
                              current))
    for k in rng.sample(range(len(result)), min(UNLISTED_GOODS, len(result))):
        result[k] = replace(result[k], listed=False)
    for number, name, price, cost, role in _SERVICES:
        hourly_cost = _money4(cost)
        result.append(Product(guid(rng), f"S-{number}", name, SERVICE, "hour", unit_ids["hour"], _money4(price),
                              hourly_cost, hourly_cost, role))
    return result


def product_rows(all_products: list[Product]) -> list[dict[str, str]]:
    return [
        {"productid": p.id, "productnumber": p.number, "name": p.name,
         "msdyn_fieldserviceproducttype": str(p.type_code), "defaultuomid": p.unit_id,
         "price": trimmed(p.price), "standardcost": trimmed(p.standard_cost), "currentcost": trimmed(p.current_cost)}
        for p in all_products
    ]


def warehouses(rng: random.Random) -> dict[str, tuple[str, ...]]:
    """Two warehouse ids per legal entity (msdyn_warehouse is a lookup; no warehouse table is in the contract)."""
    return {company.code: (guid(rng), guid(rng)) for company in COMPANIES}
