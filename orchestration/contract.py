"""The raw extract contract of SPEC §1.2: which tables a delivery may hold and the columns each must have.

Landing checks headers against it (schema_drift), the generator writes it, and dbt's sources mirror it
(a test keeps the three in step).
"""

from __future__ import annotations

from dataclasses import dataclass, field

VERSION_COLUMNS = ("versionnumber", "modifiedon")
OPTIONAL_VERSION_COLUMNS = ("isdelete",)


@dataclass(frozen=True)
class Table:
    name: str
    source: str  # dbt source: field_service, project_operations, finance
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    # column(s) naming a record; their values joined with '|' are the record_id of R4
    key: tuple[str, ...] = ()
    transactional: bool = False  # carries versionnumber / modifiedon / isdelete (R1)
    may_be_absent: bool = False  # SPEC §1.2: "often absent"
    notes: str = field(default="", compare=False)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return self.required + (VERSION_COLUMNS if self.transactional else ())

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column landing keeps, in a fixed order: required first, then optional."""
        extra = OPTIONAL_VERSION_COLUMNS if self.transactional else ()
        return self.required_columns + self.optional + extra


TABLES: tuple[Table, ...] = (
    # Field Service
    Table("account", "field_service",
          ("accountid", "name", "accountnumber", "msdyn_company", "transactioncurrencyid"),
          ("msdyn_salestaxgroup",), key=("accountid",)),
    Table("product", "field_service",
          ("productid", "productnumber", "name", "msdyn_fieldserviceproducttype", "defaultuomid", "price",
           "standardcost", "currentcost"), key=("productid",)),
    Table("uom", "field_service", ("uomid", "name"), key=("uomid",)),
    Table("msdyn_workorder", "field_service",
          ("msdyn_workorderid", "msdyn_name", "msdyn_serviceaccount", "msdyn_billingaccount", "msdyn_pricelist",
           "msdyn_systemstatus", "msdyn_project", "transactioncurrencyid", "msdyn_completedon", "createdon"),
          ("msdyn_projecttask",), key=("msdyn_workorderid",), transactional=True),
    Table("msdyn_workorderproduct", "field_service",
          ("msdyn_workorderproductid", "msdyn_workorder", "msdyn_product", "msdyn_unit", "msdyn_pricelist",
           "msdyn_linestatus", "msdyn_estimatequantity", "msdyn_quantity", "msdyn_qtytobill",
           "msdyn_discountpercent", "msdyn_additionalcost", "msdyn_commissioncosts"),
          ("msdyn_unitamount", "msdyn_unitcost", "msdyn_warehouse"),
          key=("msdyn_workorderproductid",), transactional=True),
    Table("msdyn_workorderservice", "field_service",
          ("msdyn_workorderserviceid", "msdyn_workorder", "msdyn_service", "msdyn_unit", "msdyn_pricelist",
           "msdyn_linestatus", "msdyn_estimateduration", "msdyn_duration", "msdyn_durationtobill",
           "msdyn_discountpercent", "msdyn_additionalcost", "msdyn_commissioncosts"),
          ("msdyn_unitamount", "msdyn_unitcost"),
          key=("msdyn_workorderserviceid",), transactional=True),
    Table("pricelevel", "field_service",
          ("pricelevelid", "name", "begindate", "enddate", "transactioncurrencyid", "msdyn_module", "createdon"),
          key=("pricelevelid",)),
    Table("productpricelevel", "field_service",
          ("productpricelevelid", "pricelevelid", "productid", "uomid", "amount", "pricingmethodcode",
           "percentage"), key=("productpricelevelid",)),
    Table("msdyn_fieldservicepricelistitem", "field_service",
          ("msdyn_pricelist", "msdyn_product", "msdyn_flatfee", "msdyn_minimumchargeduration",
           "msdyn_minimumchargeamount", "msdyn_roundingpolicy", "msdyn_roundingto"),
          ("msdyn_fieldservicepricelistitemid",), key=("msdyn_pricelist", "msdyn_product"), may_be_absent=True),
    # Project Operations
    Table("msdyn_organizationalunit", "project_operations",
          ("msdyn_organizationalunitid", "msdyn_name", "msdyn_company", "transactioncurrencyid"),
          key=("msdyn_organizationalunitid",)),
    Table("msdyn_projectpricelist", "project_operations",
          ("msdyn_pricelist",), ("msdyn_organizationalunit", "msdyn_salesorder", "msdyn_projectpricelistid"),
          key=("msdyn_pricelist", "msdyn_organizationalunit", "msdyn_salesorder"), may_be_absent=True,
          notes="exactly one of msdyn_organizationalunit / msdyn_salesorder per row"),
    Table("msdyn_project", "project_operations",
          ("msdyn_projectid", "msdyn_subject", "msdyn_customer", "msdyn_contractorganizationalunitid",
           "msdyn_salesorderid", "transactioncurrencyid", "msdyn_actualend"),
          ("msdyn_projectgroup",), key=("msdyn_projectid",)),
    Table("salesorder", "project_operations",
          ("salesorderid", "ordernumber", "name", "customerid", "transactioncurrencyid", "pricelevelid",
           "msdyn_contractorganizationalunitid", "msdyn_company", "msdyn_psastate"),
          ("msdyn_nottoexceedlimit",), key=("salesorderid",)),
    Table("salesorderdetail", "project_operations",
          ("salesorderdetailid", "salesorderid", "msdyn_project", "msdyn_billingmethod", "msdyn_includematerial",
           "msdyn_includetime", "msdyn_invoicefrequency", "msdyn_billingstartdate", "extendedamount"),
          ("msdyn_nottoexceedlimit",), key=("salesorderdetailid",)),
    Table("msdyn_contractlinescheduleofvalue", "project_operations",
          ("msdyn_contractlinescheduleofvalueid", "msdyn_contractlineid", "msdyn_name", "msdyn_invoicedate",
           "msdyn_amount", "msdyn_invoicestatus"),
          key=("msdyn_contractlinescheduleofvalueid",), transactional=True, may_be_absent=True),
    Table("msdyn_projectapproval", "project_operations",
          ("msdyn_projectapprovalid", "msdyn_materialusagelog", "msdyn_recordstage", "msdyn_approvedon"),
          key=("msdyn_projectapprovalid",), transactional=True, may_be_absent=True),
    Table("invoice", "project_operations",
          ("invoiceid", "msdyn_projectinvoicestatus"),
          key=("invoiceid",), transactional=True, may_be_absent=True),
    # Finance
    Table("cdm_company", "finance", ("cdm_companycode", "name", "accountingcurrency"), key=("cdm_companycode",)),
    Table("exchangerate", "finance", ("fromcurrency", "tocurrency", "validfrom", "rate"),
          key=("fromcurrency", "tocurrency", "validfrom"), may_be_absent=True),
    Table("taxgroup", "finance", ("taxgroupid", "rate_percent"), key=("taxgroupid",), may_be_absent=True),
)

# Posting setup is configuration, shipped as dbt seeds (seeds/config/); a delivery may override each with a file
# of the same name (SPEC §1.2), landed like any setup table.
CONFIG_TABLES: tuple[Table, ...] = (
    Table("posting_profiles", "config_overrides",
          ("profile_id", "scope", "scope_value", "billing_method", "accrue_revenue", "description"),
          key=("profile_id",), may_be_absent=True),
    Table("main_accounts", "config_overrides",
          ("legal_entity", "posting_type", "main_account", "account_name"),
          key=("legal_entity", "posting_type"), may_be_absent=True),
    Table("project_categories", "config_overrides",
          ("legal_entity", "line_type", "project_category", "description"),
          key=("legal_entity", "line_type"), may_be_absent=True),
    Table("closed_periods", "config_overrides", ("legal_entity", "closed_through", "description"),
          key=("legal_entity",), may_be_absent=True, notes="SPEC §3.3: months up to closed_through's are closed"),
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES + CONFIG_TABLES}


def table_named(name: str) -> Table | None:
    """The contract table of a file stem or folder name, matched case-insensitively (`UOM.csv`, `MSDYN_WORKORDER/`):
    Dataverse logical names are lower case, exports and people do not always keep them so."""
    return BY_NAME.get(name.lower())


def column_positions(table: Table, header: list[str]) -> dict[str, int]:
    """Contract column → its position in a file's header, names matched case-insensitively (`IsDelete` is
    `isdelete`). The first of two spellings wins here; landing refuses such a header as schema drift."""
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        positions.setdefault(name.strip().lower(), i)
    return {c: positions[c.lower()] for c in table.columns if c.lower() in positions}

# Option-set codes of SPEC §1.2 (decoded once, in staging).
WORK_ORDER_STATUS = {
    690970000: "unscheduled", 690970001: "scheduled", 690970002: "in_progress",
    690970003: "completed", 690970004: "posted", 690970005: "canceled",
}
LINE_STATUS = {690970000: "estimated", 690970001: "used"}
PRODUCT_TYPE = {690970000: "inventory", 690970001: "non_inventory", 690970002: "service"}
PRICE_LIST_MODULE = {192350000: "cost", 192350001: "purchase", 192350002: "sales"}
PRICING_METHOD = {1: "currency_amount", 3: "markup_current_cost", 5: "markup_standard_cost"}
BILLING_METHOD = {192350000: "time_and_material", 192350001: "fixed_price"}
MILESTONE_STATUS = {192350000: "not_ready", 192350001: "ready"}
APPROVAL_STAGE = {1: "rejected", 2: "approved"}
INVOICE_STATUS_CONFIRMED = 192350002
INVOICE_FREQUENCIES = ("weekly", "biweekly", "monthly")
ROUNDING_POLICIES = ("none", "up", "down", "nearest")
