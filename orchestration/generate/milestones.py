"""Versions of fixed-price milestones (msdyn_contractlinescheduleofvalue): created not ready, later ready."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from orchestration.contract import BY_NAME

from .contracts import NOT_READY, READY, Milestone
from .csv_files import as_row
from .formats import fixed, iso_date, iso_timestamp

TABLE = BY_NAME["msdyn_contractlinescheduleofvalue"]


def milestone_versions(milestones: list[Milestone], cutoff: int,
                       next_version: Callable[[], int]) -> Iterator[tuple[int, list[str]]]:
    """(modifiedon, row) for every milestone version before `cutoff`, in modifiedon order (version numbers
    follow that order)."""
    events = []
    for m in milestones:
        events.append((m.created, m, NOT_READY))
        if m.ready_at < cutoff:
            events.append((m.ready_at, m, READY))
    events.sort(key=lambda event: (event[0], event[1].id))
    for modified, m, status in events:
        if modified >= cutoff:
            continue
        yield modified, as_row(TABLE, {
            "msdyn_contractlinescheduleofvalueid": m.id, "msdyn_contractlineid": m.line_id, "msdyn_name": m.name,
            "msdyn_invoicedate": iso_date(m.invoice_day), "msdyn_amount": fixed(m.amount),
            "msdyn_invoicestatus": str(status), "versionnumber": str(next_version()),
            "modifiedon": iso_timestamp(modified), "isdelete": "false",
        })
