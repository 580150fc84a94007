"""The published ledgers and what SPEC §3 lets change in a published row (statuses, never amounts, dates or ids):
I9's check, shared by the DuckDB lane (test_ledgers_immutable.py) and the Spark lane (tests/spark)."""

from __future__ import annotations

from pathlib import Path

import duckdb

# ledger mart → (key, the columns that may change after publication)
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


def changed_rows(mart: str, first: dict[str, dict], second: dict[str, dict]) -> list[tuple]:
    """(row id, what changed) of every row of `first` (run N, rows by key) gone or changed in a column that may
    not change in `second` (run N+1)."""
    may_change = LEDGERS[mart][1]
    changed = []
    for row_id, before in first.items():
        after = second.get(row_id)
        if after is None:
            changed.append((row_id, "gone"))
            continue
        diff = {c: (before[c], after[c]) for c in before if c not in may_change and before[c] != after[c]}
        if diff:
            changed.append((row_id, diff))
    return changed


def ledger_rows(db: Path, mart: str) -> dict[str, dict]:
    """The rows of a ledger mart in a DuckDB file (schema `marts`), by its key."""
    key = LEDGERS[mart][0]
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute(f"select * from marts.{mart}")
        names = [d[0] for d in cur.description]
        return {row[names.index(key)]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}
