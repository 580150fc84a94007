"""Issue 10 item 2: the incremental path never drifts from a full rebuild (DECISIONLOG D-I5).

A generated history is delivered as a first run (all of it but its last days, with some rows held back) plus daily
increments: late work order versions that make held-back lines acceptable (their rows arrived earlier and were
rejected as unknown_reference), late line versions older than the lines' recorded revisions (R15 is_late), bad rows,
and a re-delivery of a day already landed. Path A is the published run: one incremental `dbt run` per delivery.
Path B is the FULL_REBUILD: the same deliveries landed in the same order into a second, fresh build file, each run
with --full-refresh — every model that is not a ledger is rebuilt from raw, every line's timeline and every typed
row recomputed, and the ledgers (full_refresh: false) append as they always did. After every run every table of
the `marts` schema (read from the build file, not listed here) is compared row by row, all columns.

The history delivered in one piece gives other ledgers than the same history delivered late (D-9.1: a late
version is a revision of its own), so the two paths receive the same loads; one piece against day by day is
tests/test_billing_daily.py (in-order data, the billing marts).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import InProcessDbt, Warehouse
from delivery_builder import split_by_day, write_day

from orchestration.contract import BY_NAME
from orchestration.generate.cli import main as generate

NOW = "2026-06-01"  # the run clock of future_date (R4): the same in both paths, so reasons compare equal
LINE_TABLES = ("msdyn_workorderproduct", "msdyn_workorderservice")
CANCELED = "690970005"


def _late_cancels(days: dict, first_days: list[str]) -> list[list[str]]:
    """R15 late versions (D-9.1): for up to five work orders whose lines changed after the work order's last
    version, a cancel dated one second after that version, delivered after those line changes were recorded."""
    from datetime import datetime, timedelta

    wo = BY_NAME["msdyn_workorder"].columns
    wo_id, status, version, at = (wo.index(c) for c in ("msdyn_workorderid", "msdyn_systemstatus", "versionnumber",
                                                           "modifiedon"))
    latest, line_last = {}, {}
    for day in first_days:
        for row in days[day].get("msdyn_workorder", []):
            if row[version].isdigit() and row[at][:10] == day and (row[wo_id] not in latest
                                                                   or row[at] > latest[row[wo_id]][at]):
                latest[row[wo_id]] = row  # (skipping the generator's bad rows)
        for table in LINE_TABLES:
            cols = BY_NAME[table].columns
            for row in days[day].get(table, []):
                key = row[cols.index("msdyn_workorder")]
                line_last[key] = max(line_last.get(key, ""), row[cols.index("modifiedon")])
    cancels = []
    for key, row in sorted(latest.items()):
        if row[status] != CANCELED and line_last.get(key, "") > row[at][:10] + "T23:59:59Z":
            cancel = list(row)
            when = datetime.fromisoformat(row[at].replace("Z", "+00:00")) + timedelta(seconds=1)
            cancel[status], cancel[version] = CANCELED, str(int(row[version]) + 7)
            cancel[at] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
            cancels.append(cancel)
    return cancels[:5]


def _deliveries(history: Path) -> tuple[list[Path], list[list[tuple[str, dict]]]]:
    """Setup files, and the (file stem, rows per table) written before each run."""
    setup, days = split_by_day(history)
    order = sorted(days)
    # every version of the work orders that appear first on the busiest day arrives late: their lines are rejected
    # (unknown_reference) until then
    first_seen: dict[str, str] = {}
    for day in order:
        for row in days[day].get("msdyn_workorder", []):
            first_seen.setdefault(row[0], day)
    held_day = max(order[10:-3], key=lambda d: (sum(1 for v in first_seen.values() if v == d), d))
    held = {wo for wo, day in first_seen.items() if day == held_day}
    first = [(day, {t: [r for r in rows if t != "msdyn_workorder" or r[0] not in held] for t, rows in days[day].items()})
             for day in order[:-3]]
    late_wo = {"msdyn_workorder": [r for day in order[:-3] for r in days[day].get("msdyn_workorder", []) if r[0] in held]}
    cancels = {"msdyn_workorder": _late_cancels(days, [d for d, _ in first])}
    d1, d2, d3 = order[-3:]
    return setup, [
        first,
        [(d1, days[d1]), ("late-work-orders", late_wo)],
        [(d2, days[d2]), (d3, days[d3]), ("late-cancels", cancels),
         (f"{d1}-resent", days[d1])],  # the same rows again under another file name: duplicates (R2)
    ]


def _marts(w: Warehouse) -> list[str]:
    return [r[0] for r in w.query("select table_name from information_schema.tables where table_schema = 'marts' "
                                  "order by table_name")]


def _rows(w: Warehouse, table: str) -> list[tuple]:
    return w.query(f'select * from marts."{table}" order by all')


def _differences(a: Warehouse, b: Warehouse) -> list[str]:
    problems = []
    tables = _marts(a)
    if tables != _marts(b):
        problems.append(f"mart lists differ: {sorted(set(tables) ^ set(_marts(b)))}")
    for table in tables:
        ra, rb = _rows(a, table), _rows(b, table)
        if ra != rb:
            only_a = [r for r in ra if r not in rb][:3]
            only_b = [r for r in rb if r not in ra][:3]
            problems.append(f"{table}: {len(ra)} incremental rows vs {len(rb)} full-rebuild rows; "
                            f"only incremental {only_a}; only full rebuild {only_b}")
    return problems


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Both paths run delivery by delivery; yields per run the facts the tests check."""
    root = tmp_path_factory.mktemp("incremental")
    history = root / "history"
    assert generate(["--work-orders", "30", "--seed", "5", "--start", "2026-01-01", "--months", "2",
                     "--bad-row-share", "0.02", "--out", str(history), "--quiet"]) == 0
    setup, steps = _deliveries(history)
    old_now = os.environ.get("FIELDLEDGER_NOW")
    os.environ["FIELDLEDGER_NOW"] = NOW
    try:
        paths = {}
        for name in ("incremental", "full"):
            w = Warehouse(root / name)
            w.root.mkdir()
            delivery = root / f"{name}-delivery"
            delivery.mkdir()
            for p in setup:
                shutil.copy(p, delivery / p.name)
            paths[name] = (w, InProcessDbt(w), delivery)
            paths[name][1].run("seed")  # the posting setup seeds (dbt run does not load them)
        facts = []
        for files in steps:
            for name, (w, dbt, delivery) in paths.items():
                for stem, tables in files:
                    write_day(delivery, stem, tables)
                w.land(delivery)
                dbt.run("run", *(["--full-refresh"] if name == "full" else []))
            a, b = paths["incremental"][0], paths["full"][0]
            facts.append({
                "differences": _differences(a, b),
                "touched": a.query("select count(*) from intermediate.int_work_order_lines_touched")[0][0],
                "lines": a.query("select count(distinct work_order_line_id) from intermediate.int_work_order_line_versions")[0][0],
                "waiting_for_work_order": a.query(
                    "select count(*) from intermediate.int_work_order_products_validated "
                    "where reject_reason like 'unknown_reference: work order%'")[0][0],
                "late_revisions": a.query("select count(*) from intermediate.int_line_revisions_recorded where is_late")[0][0],
                "duplicates": a.query("select coalesce(sum(rows_duplicate), 0) from raw._landed_files")[0][0],
            })
        yield facts, paths
    finally:
        os.environ.pop("FIELDLEDGER_NOW") if old_now is None else os.environ.__setitem__("FIELDLEDGER_NOW", old_now)


def test_full_rebuild_every_mart_equal_after_the_first_run(runs):
    facts, _ = runs
    assert facts[0]["differences"] == []
    assert facts[0]["waiting_for_work_order"] > 0  # line versions rejected until their work order arrives


def test_full_rebuild_every_mart_equal_after_late_work_orders(runs):
    facts, _ = runs
    assert facts[1]["differences"] == []
    # the late work orders made earlier-landed line versions acceptable: their lines were touched without a row
    assert facts[1]["waiting_for_work_order"] < facts[0]["waiting_for_work_order"]
    # a daily run recomputes the timeline of the touched lines only
    assert 0 < facts[1]["touched"] < facts[1]["lines"]


def test_full_rebuild_every_mart_equal_after_late_lines_and_a_re_delivery(runs):
    facts, _ = runs
    assert facts[2]["differences"] == []
    assert facts[2]["late_revisions"] > facts[1]["late_revisions"]  # R15: the late cancels became is_late revisions
    assert facts[2]["duplicates"] > facts[1]["duplicates"]  # the re-delivered day landed as duplicates
    assert 0 < facts[2]["touched"] < facts[2]["lines"]


def test_the_compared_marts_are_filled(runs):
    _, paths = runs
    w = paths["incremental"][0]
    for table in ("fct_project_actuals", "fct_invoice_line_details", "fct_gl_entries", "fct_trace",
                  "rpt_rejected_rows", "fct_revenue_recognition"):
        assert _rows(w, table), table
