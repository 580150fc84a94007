"""All setup (non-transactional) data of a delivery, built once and small: it scales gently with the number of
work orders (projects ~ N/20, capped) and is independent of the bad-row share."""

from __future__ import annotations

from dataclasses import dataclass

from .catalogue import BASE_GOODS, SERVICE, Product, product_rows, products, unit_rows, units, warehouses
from .config import GeneratorConfig
from .contracts import Contracts, Project, build_contracts, project_kinds
from .parties import (
    NO_RATE_CURRENCY,
    USD_VALUE,
    Customer,
    company_rows,
    customer_rows,
    customers,
    exchange_rate_rows,
    org_unit_rows,
    org_units,
    tax_group_rows,
)
from .price_lists import (
    SalesLists,
    cost_items,
    cost_lists,
    field_service_items,
    price_list_rows,
    sales_items,
    sales_lists,
)
from .randomness import stream


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


@dataclass
class Reference:
    customers: list[Customer]  # without the no-rate customer
    no_rate_customer: Customer
    goods: list[Product]  # inventory and non-inventory
    services: list[Product]
    warehouses: dict[str, tuple[str, ...]]
    sales_lists: dict[str, SalesLists]
    contracts: Contracts
    setup: dict[str, list[dict[str, str]]]  # table name -> records

    @property
    def projects(self) -> list[Project]:
        return self.contracts.projects


def build_reference(cfg: GeneratorConfig) -> Reference:
    rng = stream(cfg.seed, "reference")
    first_day, last_day = cfg.start_day, cfg.cutoff // 86_400 - 1
    n_projects = _clamp(cfg.work_orders // 20, 16, 2000)
    n_customers = _clamp(n_projects * 2 // 5, 6, 800)
    n_goods = _clamp(BASE_GOODS + cfg.work_orders // 1000, BASE_GOODS, 300)

    unit_ids = units(rng)
    all_products = products(rng, n_goods, unit_ids)
    org = org_units(rng)
    normal_customers, no_rate_customer = customers(rng, n_customers)
    sales = sales_lists(rng, [*USD_VALUE, NO_RATE_CURRENCY], first_day, last_day)
    costs = cost_lists(rng, org, first_day, last_day)
    kinds = project_kinds(rng, n_projects, 1 if cfg.work_orders < 1000 else 2)
    contracts = build_contracts(rng, kinds, normal_customers, no_rate_customer, org, sales, costs, first_day,
                                last_day)
    all_lists = [pl for s in sales.values() for pl in (*s.halves, s.open)] + [pl for c in costs.values() for pl in c]
    setup = {
        "cdm_company": company_rows(),
        "taxgroup": tax_group_rows(),
        "exchangerate": exchange_rate_rows(rng, first_day, last_day),
        "msdyn_organizationalunit": org_unit_rows(org),
        "account": customer_rows([*normal_customers, no_rate_customer]),
        "uom": unit_rows(unit_ids),
        "product": product_rows(all_products),
        "pricelevel": price_list_rows(all_lists),
        "productpricelevel": sales_items(rng, sales, all_products)
        + cost_items(rng, costs, all_products, {u.id: u.currency for u in org}),
        "msdyn_fieldservicepricelistitem": field_service_items(rng, sales, all_products),
        "msdyn_project": contracts.project_rows,
        "salesorder": contracts.contract_rows,
        "salesorderdetail": contracts.line_rows,
        "msdyn_projectpricelist": contracts.project_price_list_rows,
    }
    return Reference(
        customers=normal_customers, no_rate_customer=no_rate_customer,
        goods=[p for p in all_products if p.type_code != SERVICE],
        services=[p for p in all_products if p.type_code == SERVICE],
        warehouses=warehouses(rng), sales_lists=sales, contracts=contracts, setup=setup,
    )
