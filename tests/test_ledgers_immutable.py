"""I9 across runs, for every published ledger (issue 9): after run 1 of a generated history, deliver the rest of
it with late versions (rows held back from run 1), re-deliveries (run 1's files again under other names) and
cancellations of work orders already used, run again — and no row that run 1 published has changed in any column
but the statuses the SPEC lets change (§3: billing, adjustment and approval status, invoice status)."""

import shutil

import pytest
from conftest import Warehouse
from delivery_builder import split_by_day, write_day

from orchestration.contract import BY_NAME
from orchestration.generate.cli import main as generate

CANCELED = "690970005"

# ledger mart → (key, the columns that may change after publication: statuses, never amounts, dates or ids)
LEDGERS = {
    "fct_project_actuals": ("actual_id", {"billing_status", "adjustment_status", "invoice_id"}),
    "fct_invoice_line_details": ("invoice_line_detail_id", {"invoice_status"}),
    "fct_integration_journal_lines": ("integration_line_id", set()),
    "fct_gl_entries": ("gl_entry_id", set()),
    "fct_customer_invoices": ("invoice_id", set()),
    "fct_customer_invoice_lines": ("customer_invoice_line_id", set()),
    "fct_customer_invoice_line_details": ("customer_invoice_line_detail_id", set()),
    "fct_revenue_recognition": ("revenue_recognition_id", set()),
    "fct_material_usage_logs": ("mul_id", {"approval_status", "decided_at"}),
}


def snapshot(w: Warehouse) -> dict[str, dict[str, dict]]:
    return {mart: {row[key]: row for row in w.dicts(f"select * from marts.{mart}")}
            for mart, (key, _) in LEDGERS.items()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("immutable")
    history = root / "history"
    assert generate(["--work-orders", "40", "--seed", "5", "--start", "2026-01-01", "--months", "3",
                     "--bad-row-share", "0.01", "--out", str(history), "--quiet"]) == 0
    setup, days = split_by_day(history)
    ordered = sorted(days)
    cutoff = ordered[len(ordered) * 2 // 3]
    delivery = root / "delivery"
    delivery.mkdir()
    for path in setup:
        shutil.copy(path, delivery / path.name)
    held_back: dict[str, dict[str, list[list[str]]]] = {}
    for day in (d for d in ordered if d < cutoff):  # every 6th row of a day before the cut-off arrives late
        tables = {t: [r for i, r in enumerate(rows) if i % 6 != 5] for t, rows in days[day].items()}
        held_back[day] = {t: [r for i, r in enumerate(rows) if i % 6 == 5] for t, rows in days[day].items()}
        write_day(delivery, day, tables)
    w = Warehouse(root)
    w.build(delivery)
    first = snapshot(w)

    for day in (d for d in ordered if d >= cutoff):
        write_day(delivery, day, days[day])
    for day, tables in held_back.items():  # late versions, in a file of their own
        write_day(delivery, f"{day}-late", tables)
    for day in ordered[:5]:  # re-deliveries of files already landed
        for table in days[day]:
            shutil.copy(delivery / table / f"{day}.csv", delivery / table / f"{day}-resent.csv")
    write_day(delivery, f"{cutoff}-cancel", {"msdyn_workorder": cancellations(days, ordered, cutoff)})
    w.build(delivery)
    return w, first, snapshot(w)


def cancellations(days, ordered: list[str], cutoff: str) -> list[list[str]]:
    """Cancel versions, dated two weeks before the cut-off but delivered after it, of three work orders whose lines
    changed since: run 1 recorded revisions later than the cancel (R15 late versions)."""
    at = ordered[ordered.index(cutoff) - 14]
    columns = BY_NAME["msdyn_workorder"].columns
    latest: dict[str, list[str]] = {}
    for day in sorted(days):
        for row in days[day].get("msdyn_workorder", []):
            latest[row[columns.index("msdyn_workorderid")]] = row
    used = sorted({row[BY_NAME["msdyn_workorderproduct"].columns.index("msdyn_workorder")]
                   for day in days if at < day < cutoff for row in days[day].get("msdyn_workorderproduct", [])})
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


@pytest.mark.parametrize("mart", sorted(LEDGERS))
def test_i9_no_published_ledger_row_changes(two_runs, mart):
    w, first, second = two_runs
    key, may_change = LEDGERS[mart]
    assert first[mart] or mart in ("fct_revenue_recognition",), f"run 1 published no {mart}"
    changed = []
    for row_id, before in first[mart].items():
        after = second[mart].get(row_id)
        if after is None:
            changed.append((row_id, "gone"))
            continue
        diff = {c: (before[c], after[c]) for c in before if c not in may_change and before[c] != after[c]}
        if diff:
            changed.append((row_id, diff))
    assert changed == [], f"{len(changed)} published row(s) of {mart} changed, e.g. {changed[:3]}"
    assert len(second[mart]) >= len(first[mart])


def test_the_second_run_added_reversals_late_revisions_and_new_rows(two_runs):
    w, first, second = two_runs
    assert len(second["fct_project_actuals"]) > len(first["fct_project_actuals"])
    assert w.query("select count(*) > 0 from intermediate.int_line_revisions_recorded where is_late")[0][0]
    assert w.query("""select count(*) > 0 from marts.fct_project_actuals a join marts.dim_work_orders w
                      using (work_order_id) where w.system_status = 'canceled' and a.reversal_reason = 'line_change'""")[0][0]
