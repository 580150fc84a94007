"""What the benchmark counts and prints: the machine, row counts in the build files, dbt's per-model times, the
result table, and the comparison of hand-written and dbt row counts."""

from __future__ import annotations

import json
import os
import platform
import statistics
from importlib import metadata
from pathlib import Path

import duckdb

from bench.stages import HEADLINES, Plan

# (stage, what, hand-written SQL, dbt SQL): the same quantity in both build files, printed side by side
COMPARISONS: list[tuple[str, str, str, str]] = [
    ("staging", "work order versions accepted", "select count(*) from work_orders where is_valid",
     "select count(*) from intermediate.int_work_order_versions"),
    ("staging", "product line versions accepted", "select count(*) from work_order_products where is_valid",
     "select count(*) from intermediate.int_work_order_product_versions"),
    ("staging", "service line versions accepted", "select count(*) from work_order_services where is_valid",
     "select count(*) from intermediate.int_work_order_service_versions"),
    ("engine", "revisions", "select count(*) from revisions",
     "select count(*) from intermediate.int_line_revisions_recorded"),
    ("engine", "MULs", "select count(*) from muls",
     "select count(*) from intermediate.int_material_usage_logs_recorded"),
    ("engine", "Σ MUL cost amount", "select sum(cost_amount) from muls",
     "select sum(cost_amount) from intermediate.int_material_usage_logs_recorded"),
    ("engine", "Σ MUL sales amount", "select sum(sales_amount) from muls",
     "select sum(sales_amount) from intermediate.int_material_usage_logs_recorded"),
    ("engine", "journal lines", "select count(*) from journal_lines",
     "select count(*) from marts.fct_project_journal_lines"),
    ("engine", "actuals", "select count(*) from actuals",
     "select count(*) from intermediate.int_project_actuals_recorded"),
    ("engine", "Σ actual amounts", "select sum(amount) from actuals",
     "select sum(amount) from intermediate.int_project_actuals_recorded"),
    ("engine", "NTE failed", "select count(*) from nte_statuses where nte_status = 'failed'",
     "select count(*) from intermediate.int_unbilled_sales_nte_evaluated where nte_status = 'failed'"),
    ("engine", "estimate lines", "select count(*) from estimate_lines",
     "select count(*) from marts.fct_estimate_lines"),
    ("billing", "invoice line details", "select count(*) from invoice_line_details",
     "select count(*) from intermediate.int_invoice_line_details_recorded"),
    ("billing", "invoices", "select count(*) from proforma_invoices",
     "select count(*) from marts.fct_proforma_invoices"),
    ("billing", "Σ invoice totals", "select sum(total_amount) from proforma_invoices",
     "select sum(total_amount) from marts.fct_proforma_invoices"),
    ("billing", "billing actuals", "select count(*) from billing_actuals",
     "select count(*) from intermediate.int_billing_actuals_recorded"),
    ("billing", "project actuals (mart)", "select count(*) from project_actuals",
     "select count(*) from marts.fct_project_actuals"),
    ("finance", "integration journal lines", "select count(*) from integration_journal_lines",
     "select count(*) from marts.fct_integration_journal_lines"),
    ("finance", "GL entries", "select count(*) from gl_entries", "select count(*) from marts.fct_gl_entries"),
    ("finance", "Σ GL debits", "select sum(debit_amount) from gl_entries",
     "select sum(debit_amount) from marts.fct_gl_entries"),
    ("finance", "customer invoice lines", "select count(*) from customer_invoice_lines",
     "select count(*) from marts.fct_customer_invoice_lines"),
]


def machine() -> dict:
    info: dict = {"nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
                  "platform": platform.platform(), "python": platform.python_version()}
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = next(int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:"))
        info["memory_gib"] = round(kib / 1024 / 1024, 1)
    except (OSError, StopIteration):
        info["memory_gib"] = None
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                            if line.startswith("model name")), platform.processor())
    except OSError:
        info["cpu"] = platform.processor()
    for package in ("duckdb", "dbt-core", "dbt-duckdb"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = None
    return info


def machine_line(m: dict) -> str:
    return (f"machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB; DuckDB {m['duckdb']}, "
            f"dbt-core {m['dbt-core']}, dbt-duckdb {m['dbt-duckdb']}, Python {m['python']}")


# ---------------------------------------------------------------------------------------------- row counts

def _scalar(con: duckdb.DuckDBPyConnection, sql: str):
    try:
        rows = con.execute(sql).fetchall()
    except duckdb.Error:
        return None
    values = [r[0] for r in rows]
    if any(v is None for v in values) and len(values) > 1:
        return None
    return sum(values) if len(values) > 1 else values[0]


def _base_table_counts(con: duckdb.DuckDBPyConnection, kinds: str) -> tuple[int, int]:
    outcomes = con.execute("select count(*) from information_schema.tables where table_schema = 'intermediate' "
                           "and table_name = 'int_delivered_row_outcomes'").fetchone()[0]
    if outcomes:  # every staged row with its R4 outcome, whichever model decides it (D-S14)
        return con.execute("select count(*) filter (where reject_reason is null), count(*) filter (where "
                           "reject_reason is not null) from intermediate.int_delivered_row_outcomes").fetchone()
    accepted = rejected = 0
    # the typed base tables with R4 rejections (a base table without reject_reason, e.g. closed periods, has none)
    for (name,) in con.execute(f"""select t.table_name from information_schema.tables t
                                  join information_schema.columns c on c.table_schema = t.table_schema
                                   and c.table_name = t.table_name and c.column_name = 'reject_reason'
                                  where t.table_schema = 'staging' and t.table_type in ({kinds})
                                    and t.table_name like 'base\\_%' escape '\\'""").fetchall():
        a, r = con.execute(f"""select count(*) filter (where reject_reason is null),
                                      count(*) filter (where reject_reason is not null)
                               from staging."{name}" """).fetchone()
        accepted, rejected = accepted + a, rejected + r
    return accepted, rejected


def headline_counts(db: Path, stage: str, views_are_tables: bool = False) -> dict[str, dict[str, int | None]]:
    """The stage's rows in and out (HEADLINES) in the build file (or in spark_views' file: `views_are_tables`)."""
    spec = HEADLINES.get(stage)
    if not spec or not db.exists():
        return {}
    out: dict[str, dict[str, int | None]] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for side, items in spec.items():
            out[side] = {}
            for label, sql in items:
                if sql == "raw_rows":
                    names = con.execute("""select table_name from information_schema.tables
                                           where table_schema = 'raw' and table_name not like '\\_%' escape '\\'
                                        """).fetchall()
                    value = sum(con.execute(f'select count(*) from raw."{n}"').fetchone()[0] for (n,) in names)
                elif sql in ("accepted_rows", "rejected_rows"):
                    accepted, rejected = _base_table_counts(
                        con, "'BASE TABLE', 'VIEW'" if views_are_tables else "'BASE TABLE'")
                    value = accepted if sql == "accepted_rows" else rejected
                elif sql == "report_rows":
                    names = con.execute("""select table_name from information_schema.tables
                                           where table_schema = 'marts' and table_name like 'rpt\\_%' escape '\\'
                                        """).fetchall()
                    value = sum(con.execute(f'select count(*) from marts."{n}"').fetchone()[0] for (n,) in names)
                else:
                    value = _scalar(con, sql)
                out[side][label] = value
    return out


def spark_views(warehouse: Path, db: Path) -> None:
    """A DuckDB file with a view `<schema>.<table>` over the Parquet files of each table of a Spark warehouse folder
    (`<schema>.db/<table>/`, hive partitions as columns), so that the counts above read a Spark build as they read a
    DuckDB one. Spark's own views are not there (they are no files); every view here is a table on Spark."""
    db.unlink(missing_ok=True)
    with duckdb.connect(str(db)) as con:
        for folder in sorted(warehouse.glob("*.db/*")):
            if not any(folder.rglob("*.parquet")):
                continue
            schema, table = folder.parent.name.removesuffix(".db"), folder.name
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f"""create view "{schema}"."{table}" as select * from read_parquet(
                            '{folder}/**/*.parquet', hive_partitioning = true, union_by_name = true)""")


def table_counts(db: Path, nodes: list[dict]) -> dict[str, int | None]:
    """Rows of each table model (views are not counted: counting one would compute it)."""
    out: dict[str, int | None] = {}
    if not db.exists():
        return out
    with duckdb.connect(str(db), read_only=True) as con:
        for node in nodes:
            out[node["name"]] = _scalar(con, f'select count(*) from "{node["schema"]}"."{node["alias"]}"')
    return out


# ---------------------------------------------------------------------------------------------- dbt results

def _view_inputs(plan: Plan, unique_id: str) -> list[str]:
    """The views a model reads, directly or through other views (their work is inside the model's time)."""
    seen: list[str] = []
    todo = list(plan.nodes[unique_id]["depends_on"]["nodes"])  # breadth first: the direct parents come first
    while todo:
        parent = todo.pop(0)
        node = plan.nodes.get(parent)
        if node is None or node["config"].get("materialized") != "view" or node["name"] in seen:
            continue
        seen.append(node["name"])
        todo.extend(node["depends_on"]["nodes"])
    return seen


def model_times(run_results: Path, plan: Plan, rows: dict[str, int | None]) -> list[dict]:
    """Every node of one dbt invocation, slowest first: time, status, materialization, rows, views inside it."""
    if not run_results.exists():
        return []
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    out = []
    for r in results:
        uid = r["unique_id"]
        node = plan.nodes.get(uid)
        name = node["name"] if node else uid.split(".", 2)[-1]
        out.append({"model": name, "seconds": round(r.get("execution_time") or 0.0, 3), "status": r.get("status"),
                    "materialized": node["config"].get("materialized") if node else None,
                    "rows": rows.get(name), "views_inside": _view_inputs(plan, uid) if node else [],
                    "failures": r.get("failures")})
    return sorted(out, key=lambda m: -m["seconds"])


# ---------------------------------------------------------------------------------------------- printing

def human(n: float | int | None) -> str:
    if n is None:
        return "?"
    n = float(n)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= limit:
            return f"{n / limit:.2f}{suffix}".replace(".00", "")
    return f"{n:,.0f}"


def rows_text(counts: dict[str, dict[str, int | None]]) -> str:
    def side(name: str) -> str:
        return ", ".join(f"{human(v)} {k}" for k, v in counts.get(name, {}).items())
    left, right = side("in"), side("out")
    return f"{left} → {right}" if left and right else left or right


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def print_table(rows: list[dict]) -> None:
    """rows: stage, rows, wall, rss, hw_wall, hw_rss, ratio (numbers or None)."""
    headers = ["stage", "rows in → out", "wall s", "peak RSS MB", "hand-written s", "hand-written RSS MB", "ratio"]

    def fmt(v, digits=1):
        return "" if v is None else f"{v:,.{digits}f}"
    table = [[r["stage"], r.get("rows", ""), fmt(r.get("wall")), fmt(r.get("rss"), 0), fmt(r.get("hw_wall"), 2),
              fmt(r.get("hw_rss"), 0), "" if r.get("ratio") is None else f"{r['ratio']:.1f}×"] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *table, strict=True)]
    numeric = {2, 3, 4, 5, 6}

    def line(cells):
        return "  ".join(str(c).rjust(w) if i in numeric else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for r, cells in zip(rows, table, strict=True):
        if r.get("rule"):
            print("  ".join("-" * w for w in widths))
        print(line(cells))


def compare_counts(build_db: Path, hw_db: Path, stages: set[str]) -> list[dict]:
    out = []
    if not (build_db.exists() and hw_db.exists()):
        return out
    with duckdb.connect(str(build_db), read_only=True) as dbt_con, duckdb.connect(str(hw_db), read_only=True) as hw:
        for stage, label, hw_sql, dbt_sql in COMPARISONS:
            if stage not in stages:
                continue
            d, h = _scalar(dbt_con, dbt_sql), _scalar(hw, hw_sql)
            diff = None if d in (None, 0) or h is None else round((float(h) - float(d)) / float(d) * 100, 3)
            out.append({"stage": stage, "what": label, "dbt": d, "handwritten": h, "difference_percent": diff})
    return out


def print_comparison(rows: list[dict]) -> None:
    if not rows:
        return
    print("\nhand-written vs dbt results (they need not be identical; the scripts say what they leave out):")
    w = max(len(r["what"]) for r in rows)
    print(f"  {'stage':<8} {'what':<{w}} {'dbt':>20} {'hand-written':>20} {'diff %':>8}")
    for r in rows:
        d = "?" if r["dbt"] is None else f"{r['dbt']:,}"
        h = "?" if r["handwritten"] is None else f"{r['handwritten']:,}"
        diff = "" if r["difference_percent"] is None else f"{r['difference_percent']:+.2f}"
        print(f"  {r['stage']:<8} {r['what']:<{w}} {d:>20} {h:>20} {diff:>8}")
